using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// The controller's pure function, every rule of it, on an injected clock: alerts (levels, cooldowns, the window,
/// staleness), metric targets (the formula, tolerance, rate limits, stabilization), the fail-safe, schedule windows,
/// pause, dry run and operators' requests. Multi-step behaviour runs through <see cref="ControllerSimulation"/>, which
/// ticks the function as the reconcile loop does.
/// </summary>
public sealed class ScaleControllerTests
{
    // A Friday, in summer: Lisbon is UTC+1.
    private static readonly DateTimeOffset T0 = new(2026, 6, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(30);

    // --- alerts ---------------------------------------------------------------------------------

    [Fact]
    public void An_up_alert_steps_up_at_once()
    {
        var decision = ScaleController.Decide(Policy(), Firing(Up("a", T0)), ServiceHistory.Empty, 2, T0);

        Assert.Equal((ScaleOutcome.Applied, 2, 3, "alert-up", "a"), (decision.Outcome, decision.From, decision.To, decision.Code, decision.Trigger));
        Assert.Equal($"rule web-response-time firing since {T0:O}: step up 1: 2 -> 3.", decision.Reason);
        Assert.Equal(["a"], decision.Inputs.Alerts.Select(a => a.AlertId));
    }

    [Fact]
    public void A_firing_alert_steps_once_per_cooldown_up_to_max_and_never_past_it()
    {
        var simulation = new ControllerSimulation(Policy(), 2).Run(T0, T0.AddMinutes(20), Tick, now => Firing(Up("a", T0, lastSeen: now)));

        Assert.Equal([(0, 2, 3), (3, 3, 4), (6, 4, 5), (9, 5, 6)], simulation.Steps(T0));
        Assert.Equal(6, simulation.Replicas);
        Assert.Contains(ScaleOutcome.Cooldown, simulation.Outcomes);
        Assert.Equal(ScaleOutcome.AtMaximum, simulation.Decisions[^1].Decision.Outcome);
        Assert.All(simulation.Decisions, d => Assert.True(d.Decision.To <= 6));
    }

    [Fact]
    public void A_and_B_fire_A_resolves_and_nothing_steps_down_B_resolves_and_one_step_down_follows_after_the_window()
    {
        var aEnds = T0.AddMinutes(1);
        var bEnds = T0.AddMinutes(10);
        var simulation = new ControllerSimulation(Policy(max: 3), 2).Run(T0, T0.AddMinutes(30), Tick, now => new ServiceSignals(
            [.. new[] { Up("a", T0, lastSeen: now), Up("b", T0, lastSeen: now, rule: "order-post-time") }
                .Where(a => now < (a.AlertId == "a" ? aEnds : bEnds))],
            now >= bEnds ? new EndedAlert("b", bEnds) : now >= aEnds ? new EndedAlert("a", aEnds) : null,
            [], ControlState.None, null));

        // A's own window (to minute 6) passes while B fires: no step down. B's ends at minute 15: one step.
        Assert.Equal([(0, 2, 3), (15, 3, 2)], simulation.Steps(T0));
        var held = simulation.Decisions.Where(d => d.At >= bEnds && d.At < bEnds.AddMinutes(5)).Select(d => d.Decision).ToList();
        Assert.NotEmpty(held);
        Assert.All(held, d => Assert.Equal((ScaleOutcome.Cooldown, "stabilization-alert"), (d.Outcome!.Value, d.Code)));
    }

    [Fact]
    public void A_repeat_of_a_firing_alert_changes_nothing()
    {
        var history = new ServiceHistory([new ScaleEvent(T0, 2, 3)], []);
        var first = ScaleController.Decide(Policy(), Firing(Up("a", T0, lastSeen: T0)), history, 3, T0.AddMinutes(1));
        var repeated = ScaleController.Decide(Policy(), Firing(Up("a", T0, lastSeen: T0.AddMinutes(1))), history, 3, T0.AddMinutes(1));

        Assert.Equal((first.Outcome, first.To, first.Code, first.Reason), (repeated.Outcome, repeated.To, repeated.Code, repeated.Reason));
        Assert.Equal(ScaleOutcome.Cooldown, repeated.Outcome);
    }

    [Fact]
    public void An_alert_not_repeated_within_its_stale_time_stops_counting()
    {
        var policy = Policy(max: 3, change: p => p.AlertStaleAfter = TimeSpan.FromHours(1));

        // Never repeated after T0: at T0 + 1 h it is stale, as if resolved then; the window runs from there.
        var simulation = new ControllerSimulation(policy, 2).Run(T0, T0.AddMinutes(90), Tick, _ => Firing(Up("a", T0, lastSeen: T0)));

        Assert.Equal([(0, 2, 3), (65, 3, 2)], simulation.Steps(T0));
        Assert.Empty(ScaleController.Decide(policy, Firing(Up("a", T0, lastSeen: T0)), ServiceHistory.Empty, 3, T0.AddMinutes(61)).Inputs.Alerts);
    }

    [Fact]
    public void After_an_episode_the_service_steps_back_to_its_floor_one_step_per_cooldown_down()
    {
        var ended = new EndedAlert("a", T0);
        var simulation = new ControllerSimulation(Policy(), 5).Run(T0, T0.AddMinutes(30), Tick,
            _ => new ServiceSignals([], ended, [], ControlState.None, null));

        Assert.Equal([(5, 5, 4), (10, 4, 3), (15, 3, 2)], simulation.Steps(T0));
    }

    [Fact]
    public void With_metric_targets_the_alerts_hold_for_their_window_and_then_leave_the_count_to_the_metrics()
    {
        // An episode took the service to 3; the load asks for 2 all along (15 at 10 per replica).
        var policy = Policy(metrics: [PerReplica("requests", 10)], change: p => p.ScaleDown = new ScalingLimits
        {
            Limits = [new RateLimit { Step = "2", Period = TimeSpan.FromSeconds(20) }],
        });
        var ended = new EndedAlert("a", T0);
        var simulation = new ControllerSimulation(policy, 6).Run(T0, T0.AddMinutes(8), TimeSpan.FromSeconds(10),
            now => new ServiceSignals([], ended, [new MetricReading("requests", 15, now, 0, null)], ControlState.None, null));

        // The alert's window to minute 5, then the metric's rate limit (-2 per 20 s), not the alert's step and cooldown.
        Assert.Equal([(300.0, 6, 4), (320.0, 4, 2)], simulation.Scales.Select(s => ((s.At - T0).TotalSeconds, s.From, s.To)));
        Assert.Equal("metric-down", simulation.Decisions.Last(d => d.Decision.ChangesReplicas).Decision.Code);
    }

    [Fact]
    public void Without_any_alert_episode_the_alerts_leave_the_count_alone()
    {
        var decision = ScaleController.Decide(Policy(), ServiceSignals.None, ServiceHistory.Empty, 5, T0);

        Assert.Null(decision.Outcome);
    }

    [Fact]
    public void A_down_rule_steps_down_while_it_fires_and_an_up_alert_outweighs_it()
    {
        var down = Up("d", T0, direction: Direction.Down, rule: "quiet-night");
        var simulation = new ControllerSimulation(Policy(), 5).Run(T0, T0.AddMinutes(12), Tick, now => Firing(down with { LastSeen = now }));
        var both = ScaleController.Decide(Policy(), Firing(down, Up("a", T0)), ServiceHistory.Empty, 4, T0);

        Assert.Equal([(0, 5, 4), (5, 4, 3), (10, 3, 2)], simulation.Steps(T0));
        Assert.Equal((ScaleOutcome.Applied, 5), (both.Outcome, both.To));
    }

    // --- metric targets -------------------------------------------------------------------------

    [Theory]
    [InlineData(true, 60, 10, 2, 6)]      // a total of 60 at 10 per replica: 6
    [InlineData(true, 21, 10, 2, 2)]      // 1.05 of the target: inside the 10 % band
    [InlineData(true, 23, 10, 2, 3)]      // 1.15: outside it, ceil(2.3)
    [InlineData(true, 5, 10, 4, 1)]       // far below: ceil(0.5)
    [InlineData(true, 5, 10, 0, 1)]       // from zero replicas
    [InlineData(false, 30, 10, 2, 6)]     // a level three times its target: ceil(2 x 3)
    [InlineData(false, 10.5, 10, 2, 2)]   // inside the band
    [InlineData(false, 5, 10, 4, 2)]      // half the target: half the replicas
    [InlineData(false, 30, 10, 0, 1)]     // a level above target from zero asks for one
    [InlineData(false, 0, 10, 3, 0)]      // nothing at all: the bounds decide
    public void The_target_formula_is_hpas(bool perReplica, double value, double target, int current, int expected)
    {
        var metric = perReplica ? new MetricTarget { Name = "m", Query = "q", TargetPerReplica = target } : new MetricTarget { Name = "m", Query = "q", Target = target };

        Assert.Equal(expected, TargetTracking.Recommend(metric, value, current, tolerance: 0.1));
    }

    [Fact]
    public void The_largest_recommendation_across_metrics_wins()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10), Level("latency", 0.5)]);

        var decision = ScaleController.Decide(policy, Readings(("requests", 35), ("latency", 1.5)), ServiceHistory.Empty, 2, T0);

        // requests: ceil(35 / 10) = 4; latency: ceil(2 x 3) = 6.
        Assert.Equal((ScaleOutcome.Applied, 6, "metric-up", "metric:latency"), (decision.Outcome, decision.To, decision.Code, decision.Trigger));
        Assert.Equal([4, 6], decision.Inputs.Metrics.Select(m => m.Recommendation ?? -1));
    }

    [Fact]
    public void Scale_up_follows_the_rate_limit_per_period()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10)], change: p =>
            p.ScaleUp = new ScalingLimits { Limits = [new RateLimit { Step = "2", Period = TimeSpan.FromMinutes(1) }] });

        var simulation = new ControllerSimulation(policy, 2).Run(T0, T0.AddMinutes(5), TimeSpan.FromSeconds(15), now => ReadingsAt(now, ("requests", 100)));

        Assert.Equal([(0, 2, 4), (1, 4, 6), (2, 6, 8), (3, 8, 10)], simulation.Steps(T0));
        Assert.Contains(simulation.Decisions, d => d.Decision is { Outcome: ScaleOutcome.Cooldown, Code: "rate-limit-up" });
    }

    [Theory]
    [InlineData(2, 20, 6)]    // +100 % is 4, +4 is 6: the larger
    [InlineData(10, 50, 20)]  // +100 % is 20, +4 is 14
    public void By_default_up_goes_at_most_the_larger_of_double_or_four_more_per_15_seconds(int current, int wanted, int expected)
    {
        var policy = Policy(max: 100, metrics: [PerReplica("requests", 1)]);

        var decision = ScaleController.Decide(policy, Readings(("requests", wanted)), ServiceHistory.Empty, current, T0);

        Assert.Equal(expected, decision.To);
        Assert.Contains("rate limit", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_down_is_stabilized_to_the_highest_recommendation_over_the_window()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10)]);
        double Load(DateTimeOffset now) => now < T0.AddMinutes(2) ? 60 : now < T0.AddMinutes(4) ? 30 : 20;

        var simulation = new ControllerSimulation(policy, 6).Run(T0, T0.AddMinutes(12), Tick, now => ReadingsAt(now, ("requests", Load(now))));

        // 6 was asked for until minute 2, 3 until minute 4: each counts for five minutes more.
        Assert.Equal([(7, 6, 3), (9, 3, 2)], simulation.Steps(T0));
        var held = simulation.Decisions.First(d => d.At == T0.AddMinutes(4)).Decision;
        Assert.Equal((ScaleOutcome.Cooldown, "stabilization-metric"), (held.Outcome!.Value, held.Code));
        Assert.Equal(T0.AddMinutes(7), held.Clocks.StabilizationEndsAt);
    }

    [Fact]
    public void Inside_the_tolerance_band_nothing_changes()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10)]);

        var decision = ScaleController.Decide(policy, Readings(("requests", 41)), ServiceHistory.Empty, 4, T0);

        Assert.Null(decision.Outcome);
        Assert.Equal(4, decision.MetricRecommendation);
    }

    // --- fail-safe ------------------------------------------------------------------------------

    [Fact]
    public void A_failing_source_never_scales_down_even_when_another_metric_wants_to()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10), Level("latency", 0.5)]);
        var signals = ServiceSignals.None with
        {
            Metrics = [new MetricReading("requests", 10, T0, 0, null), new MetricReading("latency", null, T0, 1, "no_series")],
        };

        var decision = ScaleController.Decide(policy, signals, ServiceHistory.Empty, 6, T0);

        Assert.Equal((ScaleOutcome.Held, 6, "held:latency"), (decision.Outcome, decision.To, decision.Code));
        Assert.Contains("no scale-down", decision.Reason, StringComparison.Ordinal);
        Assert.Equal("no_series", decision.Inputs.Metrics.Single(m => m.Name == "latency").Error);
    }

    [Theory]
    [InlineData(2, 4, ScaleOutcome.Held, 4)]       // below the threshold: hold
    [InlineData(3, 4, ScaleOutcome.Applied, 5)]    // at it: up to the fallback
    [InlineData(3, 7, ScaleOutcome.Held, 7)]       // above the fallback already: never lowered to it
    public void A_failing_source_falls_back_after_the_threshold_and_never_lowers(int failures, int current, ScaleOutcome outcome, int to)
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10)], change: p => (p.FailureThreshold, p.FallbackReplicas) = (3, 5));
        var signals = ServiceSignals.None with { Metrics = [new MetricReading("requests", null, T0, failures, "timeout")] };

        var decision = ScaleController.Decide(policy, signals, ServiceHistory.Empty, current, T0);

        Assert.Equal((outcome, to), (decision.Outcome!.Value, decision.To));
        if (outcome == ScaleOutcome.Applied)
        {
            Assert.Equal("fallback", decision.Code);
        }
    }

    [Fact]
    public void A_source_that_has_not_answered_yet_holds_the_count()
    {
        var policy = Policy(metrics: [PerReplica("requests", 10)]);

        var decision = ScaleController.Decide(policy, ServiceSignals.None, ServiceHistory.Empty, 5, T0);

        Assert.Null(decision.Outcome);
        Assert.Equal(5, decision.To);
    }

    // --- schedule windows -----------------------------------------------------------------------

    [Fact]
    public void A_window_raises_the_floor_while_it_is_open()
    {
        var policy = Policy(change: p => p.Schedules =
        [
            new ScheduleWindow { Name = "friday-sale", Days = "Fri", Start = "17:00", End = "23:00", TimeZone = "Europe/Lisbon", Min = 4 },
        ]);
        var open = new DateTimeOffset(2026, 6, 5, 16, 30, 0, TimeSpan.Zero); // 17:30 in Lisbon
        var before = new DateTimeOffset(2026, 6, 5, 15, 30, 0, TimeSpan.Zero);

        var raised = ScaleController.Decide(policy, ServiceSignals.None, ServiceHistory.Empty, 2, open);
        var notYet = ScaleController.Decide(policy, ServiceSignals.None, ServiceHistory.Empty, 2, before);

        Assert.Equal((ScaleOutcome.Applied, 4, "below-min", "schedule:friday-sale"), (raised.Outcome, raised.To, raised.Code, raised.Trigger));
        Assert.Equal("below the bounds: the min in force is 4 (window friday-sale): 2 -> 4.", raised.Reason);
        Assert.Equal(4, raised.Inputs.Min);
        Assert.Equal(["friday-sale (min 4)"], raised.Inputs.Windows);
        Assert.Null(notYet.Outcome);
    }

    [Fact]
    public void A_window_lowers_the_ceiling_and_an_alert_is_held_to_it()
    {
        var policy = Policy(change: p => p.Schedules =
        [
            new ScheduleWindow { Name = "nightly-maintenance", Cron = "0 12 * * *", Duration = TimeSpan.FromHours(2), Max = 3 },
        ]);

        var decision = ScaleController.Decide(policy, Firing(Up("a", T0)), ServiceHistory.Empty, 3, T0.AddMinutes(30));

        Assert.Equal((ScaleOutcome.AtMaximum, 3), (decision.Outcome, decision.To));
        Assert.Contains("the max in force is 3 (window nightly-maintenance)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_a_window_that_raised_the_floor_closes_the_service_returns_to_its_min_after_the_stabilization_window()
    {
        // Friday 17:00-23:00 in Lisbon is 16:00-22:00 UTC in June: the sale's floor of 4, then back to 2.
        var policy = Policy(change: p => p.Schedules =
        [
            new ScheduleWindow { Name = "friday-sale", Days = "Fri", Start = "17:00", End = "23:00", TimeZone = "Europe/Lisbon", Min = 4 },
        ]);
        var start = new DateTimeOffset(2026, 6, 5, 21, 50, 0, TimeSpan.Zero);

        var simulation = new ControllerSimulation(policy, 4).Run(start, start.AddMinutes(30), Tick, _ => ServiceSignals.None);

        Assert.Equal([(15, 4, 3), (20, 3, 2)], simulation.Steps(start));
        Assert.Equal("schedule:friday-sale", simulation.Decisions.First(d => d.Decision.ChangesReplicas).Decision.Trigger);
    }

    [Fact]
    public void A_reading_not_renewed_for_three_intervals_is_a_failing_source_not_a_value_in_force()
    {
        var policy = Policy(max: 10, metrics: [PerReplica("requests", 10)]);

        var fresh = ScaleController.Decide(policy, Readings(("requests", 10)), ServiceHistory.Empty, 6, T0.AddSeconds(30));
        var stale = ScaleController.Decide(policy, Readings(("requests", 10)), ServiceHistory.Empty, 6, T0.AddMinutes(1));

        Assert.Equal(1, fresh.MetricRecommendation);
        Assert.Equal((ScaleOutcome.Held, 6), (stale.Outcome, stale.To));
        Assert.StartsWith("stale: last read at", stale.Inputs.Metrics.Single().Error, StringComparison.Ordinal);
    }

    // --- controls and operators -----------------------------------------------------------------

    [Fact]
    public void Pause_holds_the_count_and_says_what_it_would_have_done()
    {
        var signals = Firing(Up("a", T0)) with { Controls = new ControlState(true, null, null, "alice", "sale starts", T0) };

        var decision = ScaleController.Decide(Policy(), signals, ServiceHistory.Empty, 2, T0);

        Assert.Equal((ScaleOutcome.Paused, 2, 3, "control:alice"), (decision.Outcome, decision.From, decision.To, decision.Trigger));
        Assert.StartsWith($"paused by alice since {T0:O} (sale starts); would scale 2 -> 3", decision.Reason, StringComparison.Ordinal);
        Assert.False(decision.ChangesReplicas);
    }

    [Fact]
    public void Pause_at_a_count_moves_there_and_then_holds()
    {
        var controls = new ControlState(true, 4, null, "alice", "sale", T0);

        var move = ScaleController.Decide(Policy(), ServiceSignals.None with { Controls = controls }, ServiceHistory.Empty, 2, T0);
        var hold = ScaleController.Decide(Policy(), ServiceSignals.None with { Controls = controls }, ServiceHistory.Empty, 4, T0);

        Assert.Equal((ScaleOutcome.Applied, 4, "pause-at"), (move.Outcome, move.To, move.Code));
        Assert.Null(hold.Outcome);
    }

    [Fact]
    public void Dry_run_records_the_change_and_makes_none()
    {
        var signals = Firing(Up("a", T0)) with { Controls = new ControlState(null, null, true, null, null, null, "alice", "trying the policy", T0) };

        var decision = ScaleController.Decide(Policy(), signals, ServiceHistory.Empty, 2, T0);

        Assert.Equal((ScaleOutcome.DryRun, 3), (decision.Outcome, decision.To));
        Assert.EndsWith("would scale 2 -> 3 (dry run).", decision.Reason, StringComparison.Ordinal);
        Assert.False(decision.ChangesReplicas);
    }

    [Theory]
    [InlineData(5, null, ScaleOutcome.Applied, 5)]
    [InlineData(null, 1, ScaleOutcome.Applied, 4)]
    [InlineData(7, null, ScaleOutcome.AtMaximum, 3)]
    [InlineData(null, -2, ScaleOutcome.AtMinimum, 3)]
    public void An_operator_request_is_held_to_the_bounds_and_not_to_cooldowns(int? replicas, int? delta, ScaleOutcome outcome, int to)
    {
        var history = new ServiceHistory([new ScaleEvent(T0, 2, 3)], []);
        var signals = ServiceSignals.None with { Request = new OperatorRequest("operator:r1", replicas, delta, "alice", "sale", T0) };

        var decision = ScaleController.Decide(Policy(), signals, history, 3, T0.AddSeconds(10));

        Assert.Equal((outcome, to, "operator:r1", "operator:alice"), (decision.Outcome!.Value, decision.To, decision.RequestId, decision.Trigger));
    }

    [Fact]
    public void A_paused_service_refuses_an_operator_request_and_answers_it()
    {
        var signals = ServiceSignals.None with
        {
            Controls = new ControlState(true, null, null, "bob", "incident", T0),
            Request = new OperatorRequest("operator:r1", 5, null, "alice", "sale", T0),
        };

        var decision = ScaleController.Decide(Policy(), signals, ServiceHistory.Empty, 3, T0);

        Assert.Equal((ScaleOutcome.Paused, 5, "operator:r1"), (decision.Outcome, decision.To, decision.RequestId));
    }

    // --- helpers --------------------------------------------------------------------------------

    private static ServicePolicy Policy(int max = 6, IReadOnlyList<MetricTarget>? metrics = null, Action<ServicePolicy>? change = null)
    {
        var policy = new ServicePolicy
        {
            Min = 2,
            Max = max,
            CooldownUp = TimeSpan.FromMinutes(3),
            CooldownDown = TimeSpan.FromMinutes(5),
            StabilizationWindow = TimeSpan.FromMinutes(5),
            Metrics = [.. metrics ?? []],
        };
        change?.Invoke(policy);
        return policy;
    }

    private static MetricTarget PerReplica(string name, double target) => new() { Name = name, Query = $"{name}_query", TargetPerReplica = target };

    private static MetricTarget Level(string name, double target) => new() { Name = name, Query = $"{name}_query", Target = target };

    private static AlertEpisode Up(string id, DateTimeOffset since, DateTimeOffset? lastSeen = null, string rule = "web-response-time",
        Direction direction = Direction.Up) =>
        new(id, rule, direction, since, lastSeen ?? since);

    private static ServiceSignals Firing(params AlertEpisode[] alerts) => ServiceSignals.None with { Alerts = alerts };

    private static ServiceSignals Readings(params (string Name, double Value)[] readings) => ReadingsAt(T0, readings);

    /// <summary>Readings taken at <paramref name="at"/>: in a simulation, at each tick, as the poller renews them.</summary>
    private static ServiceSignals ReadingsAt(DateTimeOffset at, params (string Name, double Value)[] readings) =>
        ServiceSignals.None with { Metrics = [.. readings.Select(r => new MetricReading(r.Name, r.Value, at, 0, null))] };
}
