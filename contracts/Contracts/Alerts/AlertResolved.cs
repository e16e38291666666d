namespace PretixOps.Contracts;

/// <summary>An alert episode ended. Carries the same <see cref="AlertId"/> as the episode's firing.</summary>
public sealed record AlertResolved(
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
