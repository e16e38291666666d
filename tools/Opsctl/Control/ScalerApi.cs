using System.Text.Json;
using PretixOps.Contracts;

namespace PretixOps.Opsctl.Control;

/// <summary>
/// What an API answered: typed for the tables, and the JSON as the service wrote it for <c>--json</c>, so a field this
/// opsctl does not know yet still reaches a script.
/// </summary>
public sealed record Answer<T>(T Value, JsonElement Json);

/// <summary>An operator's scale request answered: the recorded decision, or only that it was taken.</summary>
public sealed record ScaleAnswer(Answer<RecordedDecision>? Decision, Answer<ScaleRequestTaken>? Requested);

/// <summary>The filters of <c>GET /v1/decisions</c>; <see cref="Limit"/> is the page size (the API's default is 100).</summary>
public sealed record DecisionFilter(string? Service, DateTimeOffset? Since, ScaleOutcome? Outcome, int? Limit);

/// <summary>Decisions, newest first; <see cref="More"/> when an older page was left unread.</summary>
public sealed record DecisionPage(IReadOnlyList<Answer<RecordedDecision>> Decisions, bool More);
