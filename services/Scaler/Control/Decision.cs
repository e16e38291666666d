using PretixOps.Contracts;

namespace PretixOps.Scaler.Control;

/// <summary>
/// What <see cref="ScaleController.Decide"/> concluded for one service at one moment. <see cref="Outcome"/> null is
/// the steady state: nothing to change and nothing refused, so nothing to record. <see cref="Code"/> names the rule
/// that decided, stably: a decision equal to the last one recorded (outcome, counts, code) is a repeat, counted
/// rather than stored.
/// </summary>
/// <param name="MetricRecommendation">The metric targets' raw recommendation, when they gave one: its changes are the stabilization window's history.</param>
/// <param name="RequestId">The operator request this decides, if any.</param>
/// <param name="TriggerKey">What the record's <c>TriggerKey</c> is when it is not the request or the trigger (a request still waiting).</param>
public sealed record Decision(
    ScaleOutcome? Outcome,
    int From,
    int To,
    string Code,
    string Reason,
    string Trigger,
    DecisionInputs Inputs,
    ServiceClocks Clocks,
    int? MetricRecommendation = null,
    string? RequestId = null,
    string? TriggerKey = null)
{
    /// <summary>The count the controller wants: where a change, a dry run or a pause points, else where the service is.</summary>
    public int Desired => Outcome is ScaleOutcome.Applied or ScaleOutcome.DryRun or ScaleOutcome.Paused ? To : From;

    /// <summary>Docker is to be changed.</summary>
    public bool ChangesReplicas => Outcome == ScaleOutcome.Applied && To != From;

    /// <summary>The same decision again (what makes a reconcile a repeat).</summary>
    public bool SameAs(ScaleOutcome outcome, int from, int to, string code) =>
        Outcome == outcome && From == from && To == to && Code == code;
}
