namespace PretixOps.Contracts;

/// <summary>
/// A workload asks to be registered: the body of <c>POST /v1/instances</c>, and the plain JSON a workload
/// that speaks AMQP sends to the <c>instance-registrations</c> queue. Everything is optional here because
/// Registration validates it and names each missing or wrong field.
/// </summary>
/// <param name="TtlSeconds">Seconds until the entry expires unless renewed (default 90); 0 never expires.</param>
public sealed record RegisterInstance(
    string? Service,
    int? Slot,
    string? TaskId,
    string? Node,
    string? Address,
    IReadOnlyList<RegisterExporter>? Exporters,
    IReadOnlyDictionary<string, string>? Labels,
    int? TtlSeconds);
