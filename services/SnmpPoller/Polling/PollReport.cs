namespace PretixOps.SnmpPoller.Polling;

/// <summary>What one poll of one host produced: the samples, or why there are none.</summary>
/// <param name="Host">The <c>host</c> label on <c>/metrics</c>; null on <c>/snmp</c>, where Prometheus sets <c>instance</c>.</param>
/// <param name="ErrorReason">The short reason of a failed poll: the <c>reason</c> label of <c>snmp_poll_errors_total</c>.</param>
/// <param name="ErrorCounts">Failed polls so far by reason (scheduled polls only).</param>
public sealed record PollReport(
    string? Host,
    bool Up,
    double DurationSeconds,
    IReadOnlyList<MetricSample> Samples,
    string? Error,
    string? ErrorReason,
    IReadOnlyDictionary<string, long>? ErrorCounts,
    DateTimeOffset? CompletedAt);
