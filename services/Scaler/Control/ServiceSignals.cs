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
