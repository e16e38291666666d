using System.Text.Json;

namespace PretixOps.Opsctl.Control;

/// <summary>
/// What an API answered: typed for the tables, and the JSON as the service wrote it for <c>--json</c>, so a field this
/// opsctl does not know yet still reaches a script.
/// </summary>
public sealed record Answer<T>(T Value, JsonElement Json);
