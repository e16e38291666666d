namespace PretixOps.Contracts;

// Registration's HTTP answers, which opsctl reads: written once, here, beside the messages, so the two cannot drift.

/// <summary>
/// One entry of Registration's <c>GET /v1/instances</c>: the latest registration's fields and when it expires
/// (null: never). Registration answers a list of these; opsctl reads them.
/// </summary>
public sealed record ListedInstance(
    string InstanceId,
    string Service,
    int? Slot,
    string? TaskId,
    string? Node,
    string Address,
    IReadOnlyList<ExporterEndpoint> Exporters,
    IReadOnlyDictionary<string, string> Labels,
    int TtlSeconds,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? ExpiresAt);
