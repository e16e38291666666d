using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using PretixOps.Scaler.Readings;
using PretixOps.Scaler.Reconciliation;

namespace PretixOps.Scaler.Api;

/// <summary>
/// Builds <see cref="ServiceStatus"/>: one service as the controller sees it now, from the journal, the readings and
/// Docker. Any replica serves it: the desired count is <see cref="ScaleController.Decide"/> run on the journal's state,
/// the same call the leader makes.
/// </summary>
public sealed class StatusReport(
    PolicyStore policies, IJournal journal, ILeadership lease, MetricReadings readings, ISwarm swarm, Reconciler reconciler,
    TimeProvider clock)
{
    /// <summary>Every service of the policy, Docker asked once.</summary>
    public async Task<IReadOnlyList<ServiceStatus>> AllAsync(CancellationToken cancellationToken)
    {
        var policy = policies.Current;
        var (observed, error) = await ObserveAsync(() => swarm.ListAsync(cancellationToken));
        return [.. policy.Services.Keys.Order(StringComparer.Ordinal).Select(name => Build(policy, name, observed?.GetValueOrDefault(name), error))];
    }

    /// <summary>One service; null when the policy does not name it.</summary>
    public async Task<ServiceStatus?> OneAsync(string service, CancellationToken cancellationToken)
    {
        var policy = policies.Current;
        if (!policy.Services.ContainsKey(service))
        {
            return null;
        }

        var (observed, error) = await ObserveAsync(async () =>
        {
            try
            {
                return new Dictionary<string, ServiceState> { [service] = await swarm.InspectAsync(service, cancellationToken) };
            }
            catch (ServiceNotFoundException)
            {
                return new Dictionary<string, ServiceState>();
            }
        });
        return Build(policy, service, observed?.GetValueOrDefault(service), error);
    }

    private static async Task<(IReadOnlyDictionary<string, ServiceState>? Observed, string? Error)> ObserveAsync(
        Func<Task<IReadOnlyDictionary<string, ServiceState>>> observe)
    {
        try
        {
            return (await observe(), null);
        }
        catch (Exception e) when (e is Docker.DotNet.DockerApiException or HttpRequestException or IOException or TimeoutException
                                      or System.Net.Sockets.SocketException)
        {
            return (null, e.Message);
        }
    }

    private ServiceStatus Build(ScalerOptions options, string name, ServiceState? observed, string? dockerError)
    {
        var now = clock.GetUtcNow();
        var policy = options.Services[name];
        var state = journal.State;
        var metrics = readings.For(name);
        var signals = state.Signals(name, metrics);
        var history = state.History(name);
        // Docker away: the count the leader saw last, so the status still says what the controller wants.
        var current = observed ?? reconciler.Observed.GetValueOrDefault(name);
        var decision = current is null ? null : ScaleController.Decide(policy, signals, history, current.Replicas, now);
        var bounds = Bounds.At(policy, now);
        var firing = AlertSignal.Firing(policy, signals.Alerts, now);
        return new ServiceStatus(
            name,
            current?.Replicas,
            decision?.Desired,
            decision?.Outcome?.ToString(),
            decision?.Reason ?? (dockerError is null ? $"Docker has no service named {name}." : $"Docker does not answer: {dockerError}"),
            policy.Min,
            policy.Max,
            bounds.Min,
            bounds.Max,
            [.. signals.Alerts.OrderBy(a => a.Since).Select(a => new AlertStatus(a.AlertId, a.Rule, a.Direction.ToString(), a.Since, a.LastSeen,
                !firing.Contains(a)))],
            [.. policy.Metrics.Select(target =>
            {
                var reading = metrics.FirstOrDefault(r => r.Name == target.Name);
                var input = decision?.Inputs.Metrics.FirstOrDefault(m => m.Name == target.Name);
                return new MetricStatus(target.Name!, target.Query!, target.TargetValue, target.PerReplica, reading?.Value, input?.Recommendation,
                    reading?.At, reading?.ConsecutiveFailures ?? 0, reading?.Error, reading is { Healthy: true });
            })],
            [.. bounds.Windows.Select(w => new WindowStatus(w.Window.Name!, w.Window.Min, w.Window.Max, w.Until))],
            new ControlStatus(signals.Controls.Paused ?? policy.Paused, signals.Controls.PauseReplicas, signals.Controls.DryRun ?? policy.DryRun,
                signals.Controls.By, signals.Controls.Reason, signals.Controls.At,
                signals.Controls.DryRunBy, signals.Controls.DryRunReason, signals.Controls.DryRunAt),
            decision?.Clocks is { } clocks ? new ClockStatus(clocks.CooldownUpEndsAt, clocks.CooldownDownEndsAt, clocks.StabilizationEndsAt) : new ClockStatus(null, null, null),
            signals.Request is not null,
            state.LastDecision(name)?.Recorded(),
            new DockerStatus(dockerError is null, observed is null ? null : now, dockerError),
            new ReplicaStatus(options.InstanceName, lease.Term is not null, state.Leader, journal.CaughtUp));
    }
}
