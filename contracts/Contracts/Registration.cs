using System.Text.Json.Serialization;

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

/// <summary>One Prometheus exporter an instance serves.</summary>
public sealed record ExporterEndpoint(
    string Job,
    int Port,
    string Path,
    string Scheme,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>An instance left: it said so, or it stopped renewing its registration.</summary>
public sealed record InstanceDeregistered(
    string InstanceId,
    string Service,
    DeregistrationReason Reason,
    DateTimeOffset At);

[JsonConverter(typeof(JsonStringEnumConverter<DeregistrationReason>))]
public enum DeregistrationReason
{
    Explicit,
    Expired,
}
