using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// What is in force for one service now: the alert episodes firing, the last reading of each metric target, the
/// runtime controls, and the oldest operator request not yet decided. The schedule windows follow from the policy
/// and the clock alone.
/// </summary>
/// <param name="LastUpAlertEnded">The last up-alert episode that ended (resolved), and when: the stabilization window runs from it.</param>
public sealed record ServiceSignals(
    IReadOnlyList<AlertEpisode> Alerts,
    EndedAlert? LastUpAlertEnded,
    IReadOnlyList<MetricReading> Metrics,
    ControlState Controls,
    OperatorRequest? Request)
{
    public static readonly ServiceSignals None = new([], null, [], ControlState.None, null);
}

/// <summary>An alert episode firing for the service, matched by <paramref name="Rule"/>; <paramref name="LastSeen"/> moves with each repeat.</summary>
public sealed record AlertEpisode(string AlertId, string Rule, Direction Direction, DateTimeOffset Since, DateTimeOffset LastSeen);

public sealed record EndedAlert(string AlertId, DateTimeOffset At);

/// <summary>
/// The last reading of one metric target. A reading that failed (error, timeout, no series, NaN) has no value and
/// counts <paramref name="ConsecutiveFailures"/>; one never taken has neither.
/// </summary>
public sealed record MetricReading(string Name, double? Value, DateTimeOffset? At, int ConsecutiveFailures, string? Error)
{
    public bool Healthy => Value is not null && ConsecutiveFailures == 0;

    public bool Failing => ConsecutiveFailures > 0;
}

/// <summary>
/// The runtime controls recorded for a service: null where none was ever set (the policy's <c>Paused</c> and
/// <c>DryRun</c> then apply). <paramref name="PauseReplicas"/>: paused at this count rather than where it was.
/// <paramref name="By"/>, <paramref name="Reason"/>, <paramref name="At"/>: who paused or resumed it last, why, when;
/// the <c>DryRun…</c> ones the same for dry run, each kept apart so one control does not take the other's author.
/// </summary>
public sealed record ControlState(
    bool? Paused, int? PauseReplicas, bool? DryRun, string? By, string? Reason, DateTimeOffset? At,
    string? DryRunBy = null, string? DryRunReason = null, DateTimeOffset? DryRunAt = null)
{
    public static readonly ControlState None = new(null, null, null, null, null, null);
}

/// <summary>An operator's one-off change, decided once through the policy (bounds and pause; not cooldowns).</summary>
public sealed record OperatorRequest(string RequestId, int? Replicas, int? Delta, string By, string Reason, DateTimeOffset At);
