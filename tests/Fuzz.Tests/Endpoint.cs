namespace PretixOps.Fuzz.Tests;

/// <summary>An HTTP endpoint of a service: how its well-formed requests look, which the campaign then spoils.</summary>
/// <param name="Name">What the summary calls it, e.g. <c>Registration POST /v1/instances</c>.</param>
/// <param name="Path">A well-formed path and query for a random seed; the campaign may spoil its variable parts.</param>
/// <param name="Seeds">Well-formed bodies (none for a GET).</param>
/// <param name="Credentials">The headers a legitimate caller sends for a given body (a signature depends on it).</param>
internal sealed record Endpoint(
    string Name,
    string Project,
    HttpMethod Method,
    Func<Random, string> Path,
    IReadOnlyList<string> Seeds,
    Func<byte[], IReadOnlyList<(string Name, string Value)>> Credentials);
