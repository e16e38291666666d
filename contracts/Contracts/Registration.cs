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

/// <summary>One exporter in a <see cref="RegisterInstance"/>; path defaults to /metrics, scheme to http.</summary>
public sealed record RegisterExporter(
    string? Job,
    int? Port,
    string? Path,
    string? Scheme,
    IReadOnlyDictionary<string, string>? Labels);

/// <summary>A request for what is registered now, optionally narrowed to one service or one job.</summary>
public sealed record ListInstances(string? Service, string? Job);

/// <summary>The answer to <see cref="ListInstances"/>.</summary>
public sealed record InstanceList(IReadOnlyList<RegisteredInstance> Instances);

/// <summary>A live registry entry: the latest registration and when it expires (null: never).</summary>
public sealed record RegisteredInstance(InstanceRegistered Registration, DateTimeOffset? ExpiresAt);
