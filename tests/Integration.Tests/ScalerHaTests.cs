using System.Globalization;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// Two Scalers on one journal, on the real broker and swarm: one leads, and when it is killed, or replaced by a rolling
/// update, the other carries on with everything it knew (signals, controls, cooldowns, the stabilization window), none
/// of the clocks restarted; a pause outlives both replicas.
/// </summary>
public sealed class ScalerHaTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private ScalerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ScalerHarness.StartAsync(prefix: "itestha");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task After_a_kill_9_of_the_leader_inside_the_stabilization_window_the_standby_scales_down_at_the_original_time()
    {
        var policy = _harness.Policy(max: 4, cooldownUp: "00:10:00", window: "00:00:15");
        var first = await _harness.StartScalerAsync(policy);
        var second = await _harness.StartScalerAsync(policy);
        var alert = _harness.Fired("failover");
        await _harness.PublishAsync(alert);
        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));

        await _harness.PublishAsync(ScalerHarness.Resolved(alert));
        var leader = await ScalerHarness.LeaderAsync(first, second);
        var standby = leader == first ? second : first;
        var held = await Eventually.ValueAsync(() => _harness.StatusAsync(standby), s => s.Clocks.StabilizationEndsAt is not null);
        var originalTime = held.Clocks.StabilizationEndsAt!.Value;
        await leader.KillAsync();

        Assert.Equal(2, await _harness.ReplicasWhenAsync(2));
        Assert.Same(standby, await ScalerHarness.LeaderAsync(standby));
        var down = (await ScalerHarness.DecisionsWhenAsync(standby, d => ScalerHarness.Steps(d).Count == 2))
            .Single(d => d is { Outcome: ScaleOutcome.Applied, From: 3, To: 2 });
        Assert.True(down.At >= originalTime, $"scaled down at {down.At:O}, before the window ended at {originalTime:O}");
        // Within one reconcile interval of the original time (and the time one pass takes on a busy machine).
        Assert.True(down.At - originalTime < Interval + TimeSpan.FromSeconds(2),
            $"scaled down at {down.At:O}, {(down.At - originalTime).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s after the window ended");
    }

    [Fact]
    public async Task A_rolling_update_of_the_scaler_while_an_alert_fires_makes_no_second_step()
    {
        var policy = _harness.Policy(max: 5, cooldownUp: "00:10:00");
        var old = await _harness.StartScalerAsync(policy);
        var alert = _harness.Fired("rolling");
        await _harness.PublishAsync(alert);
        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        await ScalerHarness.DecisionsWhenAsync(old, d => d.Any(x => x.Outcome == ScaleOutcome.Cooldown));

        // start-first: the new task runs before the old one stops.
        var replacement = await _harness.StartScalerAsync(policy);
        Assert.Equal(0, await old.TerminateAsync());
        Assert.Same(replacement, await ScalerHarness.LeaderAsync(replacement));
        await _harness.PublishAsync(alert);
        await _harness.PublishAsync(_harness.Fired("rolling-second-episode"));
        await Eventually.ValueAsync(() => PassesAsync(replacement), passes => passes >= 5);

        Assert.Equal(3, await _harness.ReplicasAsync());
        Assert.Equal([(2, 3)], ScalerHarness.Steps(await ScalerHarness.DecisionsAsync(replacement)));
        var status = await _harness.StatusAsync(replacement);
        Assert.Equal(("Cooldown", 2), (status.Outcome, status.Alerts.Count));
    }

    [Fact]
    public async Task A_pause_set_with_opsctl_survives_a_restart_of_both_replicas()
    {
        var policy = _harness.Policy(max: 4, cooldownUp: "00:00:01");
        var first = await _harness.StartScalerAsync(policy);
        var second = await _harness.StartScalerAsync(policy);
        var state = Directory.CreateTempSubdirectory("opsctl-state-").FullName;
        try
        {
            var env = Opsctl.Environment(state);
            env["OPSCTL_TOKEN"] = ServiceProcess.OperatorToken;
            env["OPSCTL_SCALER"] = first.BaseAddress.ToString();
            var paused = await Opsctl.RunAsync(env, "pause", _harness.Service, "--reason", "ticket sale at noon");
            Assert.True(paused.ExitCode == 0, paused.Output);

            await first.KillAsync();
            await second.KillAsync();
            var third = await _harness.StartScalerAsync(policy);
            var fourth = await _harness.StartScalerAsync(policy);
            await _harness.PublishAsync(_harness.Fired("while-paused"));

            var refused = await ScalerHarness.DecisionsWhenAsync(fourth, d => d.Any(x => x.Outcome == ScaleOutcome.Paused));
            var pause = refused.Single(x => x.Outcome == ScaleOutcome.Paused);
            Assert.Equal((2, 3), (pause.From, pause.To));
            Assert.StartsWith($"paused by {ServiceProcess.OperatorName} since ", pause.Reason, StringComparison.Ordinal);
            Assert.Contains("(ticket sale at noon)", pause.Reason, StringComparison.Ordinal);
            Assert.Equal(2, await _harness.ReplicasAsync());
            var status = await _harness.StatusAsync(third);
            Assert.Equal((true, ServiceProcess.OperatorName), (status.Controls.Paused, status.Controls.By));

            env["OPSCTL_SCALER"] = third.BaseAddress.ToString();
            var resumed = await Opsctl.RunAsync(env, "resume", _harness.Service, "--reason", "sale is open");
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Reconcile passes the Scaler made (its histogram's count).</summary>
    private static async Task<double> PassesAsync(ServiceProcess scaler)
    {
        var line = (await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Split('\n').FirstOrDefault(l => l.StartsWith("pretixops_scaler_reconcile_seconds_count ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }
}
