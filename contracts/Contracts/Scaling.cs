using System.Text.Json.Serialization;

namespace PretixOps.Contracts;

/// <summary>An operator asks for a replica count. Exactly one of <see cref="Replicas"/> and <see cref="Delta"/> is set.</summary>
public sealed record ScaleService(
    string Service,
    int? Replicas,
    int? Delta,
    string Reason,
    string RequestedBy);

/// <summary>The Scaler decided what to do about a service, including deciding to do nothing or to wait.</summary>
/// <param name="Trigger">What the decision answers: the alert id, <c>operator:NAME</c>, <c>metric:NAME</c>, <c>schedule:NAME</c>, <c>control:NAME</c>.</param>
/// <param name="TriggerKey">What makes a trigger the same again (an operator's request id, the signal that decided). Added after the first version.</param>
/// <param name="Inputs">The signals in force when it was decided: alerts, metric readings, schedule windows, controls.
/// Added with the reconciling controller; absent from decisions recorded before it.</param>
public sealed record ScaleDecisionRecorded(
    Guid DecisionId,
    string Service,
    int From,
    int To,
    ScaleOutcome Outcome,
    string Reason,
    string Trigger,
    DateTimeOffset At,
    string? TriggerKey = null,
    DecisionInputs? Inputs = null);

/// <summary>What the Scaler saw when it decided: enough to answer "why did it, why didn't it" from the record alone.</summary>
/// <param name="Min">The lower bound in force (the policy's, raised by an active schedule window).</param>
/// <param name="Max">The upper bound in force (the policy's, lowered by an active schedule window).</param>
public sealed record DecisionInputs(
    IReadOnlyList<AlertInput> Alerts,
    IReadOnlyList<MetricInput> Metrics,
    IReadOnlyList<string> Windows,
    int Min,
    int Max,
    bool Paused,
    bool DryRun);

/// <summary>An alert episode in force for the service.</summary>
public sealed record AlertInput(string AlertId, string Rule, string Direction, DateTimeOffset Since);

/// <summary>A metric target's last reading: its value against its target, or why there is none.</summary>
/// <param name="PerReplica">True when <see cref="Target"/> is per replica (the value is the whole service's), false when it is for the service.</param>
/// <param name="Recommendation">The replica count this reading asks for, before bounds and rate limits.</param>
public sealed record MetricInput(string Name, double? Value, double Target, bool PerReplica, int? Recommendation, string? Error);

/// <summary>A decision changed a service's replica count in Docker Swarm.</summary>
public sealed record ServiceScaled(
    Guid DecisionId,
    string Service,
    int From,
    int To,
    DateTimeOffset At);

[JsonConverter(typeof(JsonStringEnumConverter<ScaleOutcome>))]
public enum ScaleOutcome
{
    Applied,
    DryRun,
    Cooldown,
    AtMaximum,
    AtMinimum,
    NoMatchingRule,
    NotAllowed,
    Duplicate,
    Paused,
    Failed,

    /// <summary>A change is wanted but Docker cannot be reached (or keeps refusing): it is retried with backoff and applied once Docker answers.</summary>
    Waiting,

    /// <summary>A metric's source fails: no scale-down on it until it answers again (fail-safe).</summary>
    Held,
}
