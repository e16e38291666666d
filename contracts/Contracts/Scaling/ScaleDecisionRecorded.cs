namespace PretixOps.Contracts;

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
