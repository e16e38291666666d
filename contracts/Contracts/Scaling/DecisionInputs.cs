namespace PretixOps.Contracts;

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
