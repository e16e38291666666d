using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// The figures of <c>GET /v1/services</c> as Prometheus metrics, set by the leader at each reconcile: current and
/// desired replicas, the signals in force, the controls, and when the clocks end.
/// </summary>
public static class StatusMetrics
{
    private static readonly Gauge Replicas = Metrics.CreateGauge(
        "pretixops_scaler_replicas", "Replicas of a policy's service as Docker reported them at the last reconcile.", "service");

    private static readonly Gauge Desired = Metrics.CreateGauge(
        "pretixops_scaler_desired_replicas", "Replicas the controller wants for the service (equal to the current count when steady).", "service");

    private static readonly Counter Decisions = Metrics.CreateCounter(
        "pretixops_scaler_decisions_total", "Decisions recorded, by service and outcome.", "service", "outcome");

    private static readonly Counter Repeats = Metrics.CreateCounter(
        "pretixops_scaler_decision_repeats_total", "Reconciles that repeated a service's last decision (counted, not recorded).", "service", "outcome");

    private static readonly Gauge AlertsFiring = Metrics.CreateGauge(
        "pretixops_scaler_alerts_firing", "Alert episodes in force for the service, by direction.", "service", "direction");

    private static readonly Gauge WindowsOpen = Metrics.CreateGauge(
        "pretixops_scaler_schedule_windows_open", "Schedule windows open for the service now.", "service");

    private static readonly Gauge Paused = Metrics.CreateGauge("pretixops_scaler_paused", "1 while the service is paused.", "service");

    private static readonly Gauge DryRun = Metrics.CreateGauge("pretixops_scaler_dry_run", "1 while the service is in dry run.", "service");

    private static readonly Gauge Waiting = Metrics.CreateGauge(
        "pretixops_scaler_waiting", "1 while a change of the service waits for Docker.", "service");

    private static readonly Gauge ClockEnds = Metrics.CreateGauge(
        "pretixops_scaler_clock_end_timestamp_seconds", "When a clock holding the service ends (cooldown_up, cooldown_down, stabilization); 0 when none runs.",
        "service", "clock");

    public static void Observe(string service, int current, Decision decision, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Replicas.WithLabels(service).Set(current);
        Desired.WithLabels(service).Set(decision.Desired);
        AlertsFiring.WithLabels(service, "Up").Set(decision.Inputs.Alerts.Count(a => a.Direction == "Up"));
        AlertsFiring.WithLabels(service, "Down").Set(decision.Inputs.Alerts.Count(a => a.Direction == "Down"));
        WindowsOpen.WithLabels(service).Set(decision.Inputs.Windows.Count);
        Paused.WithLabels(service).Set(decision.Inputs.Paused ? 1 : 0);
        DryRun.WithLabels(service).Set(decision.Inputs.DryRun ? 1 : 0);
        Waiting.WithLabels(service).Set(0);
        ClockEnds.WithLabels(service, "cooldown_up").Set(Seconds(decision.Clocks.CooldownUpEndsAt));
        ClockEnds.WithLabels(service, "cooldown_down").Set(Seconds(decision.Clocks.CooldownDownEndsAt));
        ClockEnds.WithLabels(service, "stabilization").Set(Seconds(decision.Clocks.StabilizationEndsAt));
    }

    public static void Recorded(string service, ScaleOutcome outcome)
    {
        Decisions.WithLabels(service, outcome.ToString()).Inc();
        Waiting.WithLabels(service).Set(outcome == ScaleOutcome.Waiting ? 1 : 0);
    }

    public static void Repeated(string service, ScaleOutcome outcome)
    {
        Repeats.WithLabels(service, outcome.ToString()).Inc();
        Waiting.WithLabels(service).Set(outcome == ScaleOutcome.Waiting ? 1 : 0);
    }

    private static double Seconds(DateTimeOffset? at) => at?.ToUnixTimeMilliseconds() / 1000.0 ?? 0;
}
