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
