namespace PretixOps.Fuzz.Tests;

/// <summary>
/// One hostile request. <see cref="RawHead"/> set: sent over a bare socket as written (header injection, framing),
/// <see cref="Slow"/>: its body trickles in.
/// </summary>
internal sealed record HttpCase(
    string Endpoint,
    string Project,
    string Kind,
    HttpMethod Method,
    string PathAndQuery,
    byte[]? Body,
    string? ContentType,
    IReadOnlyList<(string Name, string Value)> Headers,
    string? RawHead = null,
    bool Slow = false);
