namespace PretixOps.Contracts;

/// <summary>An alert started firing, or was re-sent while it still fires.</summary>
/// <param name="AlertId">Stable for one episode (source, fingerprint, startsAt): re-sends carry the same id.</param>
public sealed record AlertFired(
    string AlertId,
    AlertSource Source,
    string Name,
    string Fingerprint,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    double? Value,
    DateTimeOffset ReceivedAt);
