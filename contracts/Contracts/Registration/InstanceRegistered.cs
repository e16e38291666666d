namespace PretixOps.Contracts;

/// <summary>A workload instance announced itself, or renewed its announcement (a heartbeat).</summary>
/// <param name="InstanceId"><c>service.slot</c> for a replicated task, else the task id.</param>
/// <param name="TtlSeconds">Seconds until the entry expires without renewal; 0 never expires.</param>
public sealed record InstanceRegistered(
    string InstanceId,
    string Service,
    int? Slot,
    string? TaskId,
    string? Node,
    string Address,
    IReadOnlyList<ExporterEndpoint> Exporters,
    IReadOnlyDictionary<string, string> Labels,
    int TtlSeconds,
    DateTimeOffset RegisteredAt);
