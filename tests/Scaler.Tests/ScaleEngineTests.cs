using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PretixOps.Contracts;

namespace PretixOps.Scaler.Tests;

public sealed class ScaleEngineTests : IDisposable
{
    private const string Web = "pretix_web";
    private const string GlobalService = "pretix_node_exporter";
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-engine-").FullName;
    private readonly FakeTimeProvider _clock = new(T0);
    private readonly FakeSwarm _swarm = new FakeSwarm().With(Web, 2).With(GlobalService, 1, global: true);
    private readonly RecordingPublishEndpoint _bus = new();
    private readonly DecisionHistory _history;

    public ScaleEngineTests() => _history = new DecisionHistory(Path.Combine(_folder, "decisions.jsonl"));

    public void Dispose()
    {
        _history.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_alert_for_a_rule_scales_the_service_one_step_and_announces_it()
    {
        var decision = await Engine().DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((Web, 2, 3, ScaleOutcome.Applied, "a-1", T0), (decision.Service, decision.From, decision.To, decision.Outcome, decision.Trigger, decision.At));
        Assert.Equal("step up 1: 2 -> 3.", decision.Reason);
        Assert.Equal(3, _swarm.Replicas(Web));
        Assert.Equal(
            [decision, new ServiceScaled(decision.DecisionId, Web, 2, 3, T0)],
            _bus.Published);
        Assert.Equal([decision], _history.Query(Web, null, null));
    }

    [Fact]
    public async Task The_same_trigger_twenty_times_scales_once_and_records_the_rest_as_duplicates()
    {
        var engine = Engine();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => engine.DecideAsync(Up("a-1"), _bus, CancellationToken.None)));

        Assert.Equal(3, _swarm.Replicas(Web));
        Assert.Equal((1, 1), (_swarm.UpdateAttempts, _swarm.Updates));
        Assert.Single(decisions, d => d.Outcome == ScaleOutcome.Applied);
        Assert.Equal(19, decisions.Count(d => d.Outcome == ScaleOutcome.Duplicate));
        Assert.Single(_bus.Published.OfType<ServiceScaled>());
    }

    [Fact]
    public async Task A_new_trigger_within_cooldown_up_waits_and_one_after_it_scales_again()
    {
        var engine = Engine();
        await engine.DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var held = await engine.DecideAsync(Up("a-2"), _bus, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var next = await engine.DecideAsync(Up("a-3"), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Cooldown, 3, 3), (held.Outcome, held.From, held.To));
        Assert.Equal($"scaled up at {T0:O}; cooldown up is 00:03:00.", held.Reason);
        Assert.Equal((ScaleOutcome.Applied, 3, 4), (next.Outcome, next.From, next.To));
        Assert.Equal(4, _swarm.Replicas(Web));
        Assert.Equal(2, _swarm.Updates);
    }

    [Fact]
    public async Task An_alert_at_max_changes_nothing()
    {
        _swarm.With(Web, 6);

        var decision = await Engine().DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.AtMaximum, 6, 6, "already at or above max 6."), (decision.Outcome, decision.From, decision.To, decision.Reason));
        Assert.Equal(0, _swarm.UpdateAttempts);
        Assert.Empty(_bus.Published.OfType<ServiceScaled>());
    }

    [Fact]
    public async Task A_service_not_under_services_is_not_allowed_and_docker_is_not_asked()
    {
        var decision = await Engine().DecideAsync(
            new ScaleRequest("a-1/fired", "a-1", "pretix_db", Direction.Up, true), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.NotAllowed, "pretix_db is not under Scaler:Services."), (decision.Outcome, decision.Reason));
        Assert.Equal(0, _swarm.Calls);
        Assert.Equal([decision], _bus.Published);
    }

    [Fact]
    public async Task A_global_mode_service_is_not_allowed()
    {
        var decision = await Engine().DecideAsync(
            new ScaleRequest("a-1/fired", "a-1", GlobalService, Direction.Up, true), _bus, CancellationToken.None);

        Assert.Equal(ScaleOutcome.NotAllowed, decision.Outcome);
        Assert.Contains("global-mode", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(0, _swarm.UpdateAttempts);
    }

    [Fact]
    public async Task A_request_no_rule_matched_is_recorded_without_asking_docker()
    {
        var decision = await Engine().DecideAsync(new ScaleRequest("a-1/fired", "a-1", null, null, false), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.NoMatchingRule, "", "a-1"), (decision.Outcome, decision.Service, decision.Trigger));
        Assert.Equal(0, _swarm.Calls);
        Assert.True(_history.IsDecided("a-1/fired"));
    }

    [Theory]
    [InlineData(true, false, ScaleOutcome.Paused, 2)]
    [InlineData(false, true, ScaleOutcome.DryRun, 3)]
    public async Task A_paused_or_dry_run_policy_leaves_docker_alone(bool paused, bool dryRun, ScaleOutcome outcome, int to)
    {
        var decision = await Engine(p => (p.Paused, p.DryRun) = (paused, dryRun)).DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((outcome, 2, to), (decision.Outcome, decision.From, decision.To));
        Assert.Equal(2, _swarm.Replicas(Web));
        Assert.Equal(0, _swarm.UpdateAttempts);
        Assert.Empty(_bus.Published.OfType<ServiceScaled>());
    }

    [Theory]
    [InlineData(0, 5, 1)]
    [InlineData(2, 5, 3)]
    [InlineData(4, 5, 5)]
    [InlineData(1, 2, 2)]
    public async Task An_update_out_of_sequence_is_read_again_and_retried(int lost, int maxAttempts, int attempts)
    {
        _swarm.LoseNextUpdates(lost);

        var decision = await Engine(maxUpdateAttempts: maxAttempts).DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 2, 3), (decision.Outcome, decision.From, decision.To));
        Assert.Equal((attempts, 1), (_swarm.UpdateAttempts, _swarm.Updates));
        Assert.Equal(3, _swarm.Replicas(Web));
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(3, 3)]
    [InlineData(1, 1)]
    public async Task An_update_out_of_sequence_more_often_than_max_update_attempts_throws_and_decides_nothing(int lost, int maxAttempts)
    {
        _swarm.LoseNextUpdates(lost);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Engine(maxUpdateAttempts: maxAttempts).DecideAsync(Up("a-1"), _bus, CancellationToken.None));

        Assert.Equal($"pretix_web kept changing under the Scaler: update out of sequence {maxAttempts} times.", error.Message);
        Assert.Equal(maxAttempts, _swarm.UpdateAttempts);
        Assert.Equal(2, _swarm.Replicas(Web));
        Assert.False(_history.IsDecided("a-1/fired"));
        Assert.Empty(_bus.Published);
    }

    [Fact]
    public async Task Concurrent_triggers_for_one_service_never_pass_max_and_never_lose_an_update()
    {
        var engine = Engine(p => p.CooldownUp = TimeSpan.Zero);

        var decisions = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => Task.Run(() => engine.DecideAsync(Up($"a-{i}"), _bus, CancellationToken.None))));

        Assert.Equal(6, _swarm.Replicas(Web));
        Assert.Equal(4, _swarm.Updates);
        Assert.Equal(_swarm.Updates, _swarm.UpdateAttempts);
        Assert.All(decisions, d => Assert.InRange(d.To, 2, 6));
        Assert.Equal(6, decisions.Count(d => d.Outcome == ScaleOutcome.AtMaximum));
        var applied = _history.Query(Web, null, ScaleOutcome.Applied).Reverse().Select(d => (d.From, d.To)).ToList();
        Assert.Equal([(2, 3), (3, 4), (4, 5), (5, 6)], applied);
    }

    [Fact]
    public async Task An_update_made_before_a_crash_is_recorded_as_applied_without_updating_again()
    {
        _history.Intend(new DecisionHistory.Intent("a-1/fired", Web, 2, 3));
        _swarm.With(Web, 3);

        var decision = await Engine().DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 2, 3, "applied before a restart: 2 -> 3."), (decision.Outcome, decision.From, decision.To, decision.Reason));
        Assert.Equal(0, _swarm.UpdateAttempts);
        Assert.Equal(3, _swarm.Replicas(Web));
        Assert.Null(_history.PendingIntent("a-1/fired"));
        Assert.Equal(T0, _history.LastApplied(Web, Direction.Up));
        var scaled = Assert.Single(_bus.Published.OfType<ServiceScaled>());
        Assert.Equal((decision.DecisionId, 2, 3), (scaled.DecisionId, scaled.From, scaled.To));
    }

    [Fact]
    public async Task An_operator_asking_for_the_current_count_changes_nothing_and_starts_no_cooldown()
    {
        _swarm.With(Web, 3);

        var decision = await Engine().DecideAsync(new ScaleRequest("operator:m1", "operator:alice", Web, null, false, Replicas: 3), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 3, 3), (decision.Outcome, decision.From, decision.To));
        Assert.Equal(0, _swarm.UpdateAttempts);
        Assert.Null(_history.LastApplied(Web, Direction.Up));
        Assert.Empty(_bus.Published.OfType<ServiceScaled>());
    }

    [Fact]
    public async Task An_intent_docker_never_carried_out_is_decided_again_as_one_step()
    {
        _history.Intend(new DecisionHistory.Intent("a-1/fired", Web, 2, 3));

        var decision = await Engine().DecideAsync(Up("a-1"), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 2, 3), (decision.Outcome, decision.From, decision.To));
        Assert.Equal(1, _swarm.Updates);
        Assert.Equal(3, _swarm.Replicas(Web));
    }

    [Fact]
    public async Task An_operator_request_is_not_held_by_the_cooldown_of_an_alert()
    {
        var engine = Engine();
        await engine.DecideAsync(Up("a-1"), _bus, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var decision = await engine.DecideAsync(
            new ScaleRequest("operator:m-1", "operator:alice", Web, null, false, Replicas: 5), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 3, 5, "operator:alice"), (decision.Outcome, decision.From, decision.To, decision.Trigger));
        Assert.Equal(5, _swarm.Replicas(Web));
    }

    [Fact]
    public async Task A_resolved_alert_within_the_stabilization_window_is_deferred_and_decided_when_the_window_ends()
    {
        var engine = Engine();
        await engine.DecideAsync(Up("a-1"), _bus, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));

        var held = await engine.DecideAsync(Down("a-1"), _bus, CancellationToken.None);
        var until = T0.AddMinutes(5);

        Assert.Equal((ScaleOutcome.Cooldown, 3, 3), (held.Outcome, held.From, held.To));
        Assert.Empty(_history.DueDeferrals(until.AddTicks(-1)));
        var due = Assert.Single(_history.DueDeferrals(until));
        Assert.Equal(new DecisionHistory.Deferred($"a-1/resolved/after:{until:O}", "a-1", Web, until), due);

        _clock.SetUtcNow(until);
        var decision = await engine.DecideAsync(new ScaleRequest(due.Key, due.Trigger, due.Service, Direction.Down, false), _bus, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Applied, 3, 2, "a-1"), (decision.Outcome, decision.From, decision.To, decision.Trigger));
        Assert.Equal(2, _swarm.Replicas(Web));
        Assert.Empty(_history.DueDeferrals(until.AddHours(1)));
    }

    private static ScaleRequest Up(string alertId) => new($"{alertId}/fired", alertId, Web, Direction.Up, true);

    private static ScaleRequest Down(string alertId) => new($"{alertId}/resolved", alertId, Web, Direction.Down, false);

    private ScaleEngine Engine(Action<ServicePolicy>? configure = null, int maxUpdateAttempts = 5)
    {
        var web = new ServicePolicy
        {
            Min = 2,
            Max = 6,
            CooldownUp = TimeSpan.FromMinutes(3),
            CooldownDown = TimeSpan.FromMinutes(5),
            StabilizationWindow = TimeSpan.FromMinutes(5),
        };
        configure?.Invoke(web);
        var options = new ScalerOptions
        {
            MaxUpdateAttempts = maxUpdateAttempts,
            Services = { [Web] = web, [GlobalService] = new ServicePolicy { Min = 1, Max = 3 } },
        };
        return new ScaleEngine(
            Microsoft.Extensions.Options.Options.Create(options), _history, _swarm, new ImpatientClock(_clock), NullLogger<ScaleEngine>.Instance);
    }
}
