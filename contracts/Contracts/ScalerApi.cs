namespace PretixOps.Contracts;

// The Scaler's HTTP answers, which opsctl reads: written once, here, beside the messages, so the two cannot drift.

/// <summary>
/// One service as the Scaler's controller sees it now (<c>GET /v1/services[/{name}]</c>): Docker's count and the count
/// it wants, the signals in force, the controls, when the clocks end, the last decision, and which replica answered.
/// </summary>
/// <param name="Outcome">What the controller decides now; null is the steady state (nothing to change or refuse).</param>
/// <param name="MinInForce">The lower bound now: the policy's, raised by an open schedule window.</param>
/// <param name="MaxInForce">The upper bound now: the policy's, lowered by an open schedule window.</param>
public sealed record ServiceStatus(
    string Service,
    int? Current,
    int? Desired,
    string? Outcome,
    string Reason,
    int Min,
    int Max,
    int MinInForce,
    int MaxInForce,
    IReadOnlyList<AlertStatus> Alerts,
    IReadOnlyList<MetricStatus> Metrics,
    IReadOnlyList<WindowStatus> Windows,
    ControlStatus Controls,
    ClockStatus Clocks,
    bool RequestPending,
    RecordedDecision? LastDecision,
    DockerStatus Docker,
    ReplicaStatus Replica);

/// <param name="Stale">Not repeated within the rule's time: no longer a reason to scale.</param>
public sealed record AlertStatus(string AlertId, string Rule, string Direction, DateTimeOffset Since, DateTimeOffset LastSeen, bool Stale);

/// <param name="ConsecutiveFailures">Failed readings in a row: a failing source holds scale-downs, it is never read as zero.</param>
public sealed record MetricStatus(
    string Name, string Query, double Target, bool PerReplica, double? Value, int? Recommendation, DateTimeOffset? At,
    int ConsecutiveFailures, string? Error, bool SourceHealthy);

public sealed record WindowStatus(string Name, int? Min, int? Max, DateTimeOffset Until);

/// <param name="By">Who paused or resumed the service last (a named credential), why and when; null when the policy's own.</param>
/// <param name="DryRunBy">Who turned dry run on or off last, why and when; null when the policy's own.</param>
public sealed record ControlStatus(
    bool Paused, int? PausedAt, bool DryRun, string? By, string? Reason, DateTimeOffset? At,
    string? DryRunBy = null, string? DryRunReason = null, DateTimeOffset? DryRunAt = null);

/// <summary>When the clocks that hold the service end; null where none runs.</summary>
public sealed record ClockStatus(DateTimeOffset? CooldownUpEndsAt, DateTimeOffset? CooldownDownEndsAt, DateTimeOffset? StabilizationEndsAt);

/// <param name="ObservedAt">When Docker was asked for this answer; null when it did not answer (the count is then the last seen).</param>
public sealed record DockerStatus(bool Up, DateTimeOffset? ObservedAt, string? Error);

/// <param name="Instance">The Scaler replica that answered: any replica serves the status, only the leader decides.</param>
public sealed record ReplicaStatus(string Instance, bool Leader, string? LeaderInstance, bool CaughtUp);

/// <summary>
/// A recorded decision as <c>GET /v1/decisions</c> and <c>POST /v1/services/{name}/scale</c> write it: the message's
/// fields, the rule that decided (<see cref="Code"/>), and how often the same decision was reached again since
/// (repeats are counted, not recorded line by line).
/// </summary>
public sealed record RecordedDecision(
    Guid DecisionId, string Service, int From, int To, ScaleOutcome Outcome, string Reason, string Trigger, DateTimeOffset At,
    string? TriggerKey, DecisionInputs? Inputs, string Code, int Repeats, DateTimeOffset? LastRepeatAt);

/// <summary>The Scaler's 202 to a scale request it took but has not decided within the wait.</summary>
public sealed record ScaleRequestTaken(string RequestId, string Detail);
