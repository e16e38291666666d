using System.Text.Json.Serialization;

namespace PretixOps.Contracts;

/// <summary>An operator asks for a replica count. Exactly one of <see cref="Replicas"/> and <see cref="Delta"/> is set.</summary>
public sealed record ScaleService(
    string Service,
    int? Replicas,
    int? Delta,
    string Reason,
    string RequestedBy);

/// <summary>The Scaler decided what to do about a trigger, including deciding to do nothing.</summary>
/// <param name="Trigger">The alert id, or <c>operator:NAME</c> for a <see cref="ScaleService"/>.</param>
/// <param name="TriggerKey">What makes a trigger the same again (the alert episode and whether it fired or
/// resolved, an operator's message): Scaler replicas share their records by it. Added after the first version.</param>
public sealed record ScaleDecisionRecorded(
    Guid DecisionId,
    string Service,
    int From,
    int To,
    ScaleOutcome Outcome,
    string Reason,
    string Trigger,
    DateTimeOffset At,
    string? TriggerKey = null);

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
}
