using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Reconciliation;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// The reconcile pass with the journal and Docker in memory: a signal becomes one applied change with its decision in
/// Docker's labels; Docker away makes it wait (recorded once) and apply once when back; an intent a crash left open is
/// settled from the labels; another writer's update is retried; a newer leader fences the old one out.
/// </summary>
public sealed class ReconcilerTests : IDisposable
{
    private readonly ScalerRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task An_alert_is_applied_once_with_the_decision_and_the_epoch_in_the_services_labels()
    {
        var term = await _rig.ElectAsync();
        await _rig.FireAsync("e1");

        await _rig.PassAsync();
        await _rig.PassAsync();

        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
        var applied = Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied).Decision;
        Assert.Equal((2, 3, "alertmanager:e1:2026-06-05T11:59:00.000Z"), (applied.From, applied.To, applied.Trigger));
        var labels = _rig.Swarm.Labels(ScalerRig.Web);
        Assert.Equal(applied.DecisionId.ToString(), labels[Reconciler.DecisionLabel]);
        Assert.Equal($"{_rig.State.Incarnation}/{term.Epoch}", labels[Reconciler.EpochLabel]);
        Assert.Equal([typeof(LeaderElected), typeof(AlertFiring), typeof(SnapshotTaken), typeof(DecisionMade), typeof(DecisionApplied), typeof(DecisionMade)],
            _rig.Journal.Entries.Select(e => e.GetType()));
        // The last one: the cooldown that holds the next step, recorded once.
        Assert.Equal(ScaleOutcome.Cooldown, _rig.Decisions[^1].Decision.Outcome);
    }

    [Fact]
    public async Task Twenty_repeats_of_a_firing_alert_write_one_entry_and_make_one_step()
    {
        await _rig.ElectAsync();

        for (var i = 0; i < 20; i++)
        {
            await _rig.FireAsync("e1");
            _rig.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        await _rig.PassAsync();
        Assert.Single(_rig.Journal.Entries.OfType<AlertFiring>());
        Assert.Equal(3, _rig.Swarm.Replicas(ScalerRig.Web));
    }

    [Fact]
    public async Task Deliveries_of_one_alert_taken_in_at_once_write_one_entry()
    {
        _rig.Journal.AppendDelay = TimeSpan.FromMilliseconds(50);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _rig.FireAsync("e1"))));

        Assert.Single(_rig.Journal.Entries.OfType<AlertFiring>());
    }

    [Fact]
    public async Task A_repeat_after_a_quarter_of_the_stale_time_moves_the_last_sighting_and_nothing_else()
    {
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");

        _rig.Clock.Advance(TimeSpan.FromMinutes(46));
        await _rig.FireAsync("e1");

        var sightings = _rig.Journal.Entries.OfType<AlertFiring>().Select(f => f.SeenAt).ToList();
        Assert.Equal([ScalerRig.T0, ScalerRig.T0.AddMinutes(46)], sightings);
        Assert.Equal(ScalerRig.T0.AddMinutes(46), Assert.Single(_rig.State.Signals(ScalerRig.Web, []).Alerts).LastSeen);
    }

    [Fact]
    public async Task With_docker_away_the_change_waits_recorded_once_and_is_applied_once_when_it_answers()
    {
        await _rig.ElectAsync();
        await _rig.PassAsync();
        _rig.Swarm.Down = true;
        await _rig.FireAsync("e1");

        for (var i = 0; i < 10; i++)
        {
            await _rig.PassAsync();
            _rig.Clock.Advance(TimeSpan.FromSeconds(31));
        }

        var waiting = Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Waiting);
        Assert.Equal((2, 3), (waiting.Decision.From, waiting.Decision.To));
        Assert.Contains("Connection refused", waiting.Decision.Reason, StringComparison.Ordinal);
        Assert.True(_rig.State.Repeats(ScalerRig.Web)?.Repeats >= 5);
        Assert.NotNull(_rig.Docker.DownSince);

        _rig.Swarm.Down = false;
        _rig.Clock.Advance(TimeSpan.FromSeconds(31));
        await _rig.PassAsync();

        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
        Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied);
        Assert.Null(_rig.Docker.DownSince);
    }

    [Fact]
    public async Task An_intent_whose_update_reached_docker_before_a_crash_is_recorded_as_applied_not_applied_again()
    {
        var old = await _rig.ElectAsync("scaler-1");
        var state = await _rig.Swarm.InspectAsync(ScalerRig.Web, CancellationToken.None);
        var intent = Decision(2, 3);
        await _rig.Journal.AppendAsync(new DecisionMade(old.Epoch, intent, "alert-up", null, Intent: true), CancellationToken.None);
        await _rig.Swarm.TryUpdateAsync(state, 3, new Dictionary<string, string> { [Reconciler.DecisionLabel] = intent.DecisionId.ToString() },
            CancellationToken.None);

        // The leader died here; another takes over.
        await _rig.ElectAsync("scaler-2");
        await _rig.PassAsync();

        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
        Assert.Equal(intent.DecisionId, Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied).Decision.DecisionId);
        Assert.Single(_rig.State.History(ScalerRig.Web).Scales);
    }

    [Fact]
    public async Task An_intent_that_never_reached_docker_is_abandoned_and_the_signals_decide_afresh()
    {
        var old = await _rig.ElectAsync("scaler-1");
        await _rig.FireAsync("e1");
        var intent = Decision(2, 3);
        await _rig.Journal.AppendAsync(new DecisionMade(old.Epoch, intent, "alert-up", null, Intent: true), CancellationToken.None);

        await _rig.ElectAsync("scaler-2");
        await _rig.PassAsync();

        Assert.Contains(_rig.Journal.Entries, e => e is DecisionAbandoned a && a.DecisionId == intent.DecisionId);
        var applied = Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied).Decision;
        Assert.NotEqual(intent.DecisionId, applied.DecisionId);
        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
    }

    [Fact]
    public async Task An_update_whose_answer_was_lost_is_settled_from_the_labels_and_not_applied_twice()
    {
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");
        _rig.Swarm.LoseNextAnswer = true;

        await _rig.PassAsync();
        _rig.Clock.Advance(TimeSpan.FromSeconds(2));
        await _rig.PassAsync();

        // The update landed though its answer did not: recorded as applied, the cooldown started, no second step.
        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
        Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied);
        Assert.DoesNotContain(_rig.Journal.Entries, e => e is DecisionAbandoned);
        Assert.Single(_rig.State.History(ScalerRig.Web).Scales);
    }

    [Fact]
    public async Task A_new_leader_writes_its_epoch_before_judging_an_older_ones_intent_so_that_intents_update_cannot_land_after()
    {
        var old = await _rig.ElectAsync("scaler-1");
        var seen = await _rig.Swarm.InspectAsync(ScalerRig.Web, CancellationToken.None);
        var intent = Decision(2, 3);
        await _rig.Journal.AppendAsync(new DecisionMade(old.Epoch, intent, "alert-up", null, Intent: true), CancellationToken.None);

        var term = await _rig.ElectAsync("scaler-2");
        await _rig.PassAsync();
        // The old leader's update, in flight with the version it read, arrives now.
        var late = await _rig.Swarm.TryUpdateAsync(seen, 3, new Dictionary<string, string> { [Reconciler.DecisionLabel] = intent.DecisionId.ToString() },
            CancellationToken.None);

        Assert.False(late);
        Assert.Equal(2, _rig.Swarm.Replicas(ScalerRig.Web));
        Assert.Equal($"{_rig.State.Incarnation}/{term.Epoch}", _rig.Swarm.Labels(ScalerRig.Web)[Reconciler.EpochLabel]);
        Assert.Contains(_rig.Journal.Entries, e => e is DecisionAbandoned a && a.DecisionId == intent.DecisionId);
    }

    [Fact]
    public async Task Another_writers_update_in_between_is_retried_on_the_new_version()
    {
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");
        _rig.Swarm.LoseNextUpdates(3);

        await _rig.PassAsync();

        Assert.Equal((3, 1), (_rig.Swarm.Replicas(ScalerRig.Web), _rig.Swarm.Updates));
        Assert.Single(_rig.Decisions, d => d.Decision.Outcome == ScaleOutcome.Applied);
    }

    [Fact]
    public async Task A_count_changed_under_the_scaler_is_not_overwritten_but_decided_again()
    {
        await _rig.ElectAsync();
        await _rig.PassAsync();
        await _rig.FireAsync("e1");
        var stale = await _rig.Swarm.InspectAsync(ScalerRig.Web, CancellationToken.None);
        _rig.Swarm.ChangeBehindTheScalersBack(ScalerRig.Web, replicas: 4);
        var decision = Control.ScaleController.Decide(_rig.Policies.Current.Services[ScalerRig.Web],
            _rig.State.Signals(ScalerRig.Web, []), _rig.State.History(ScalerRig.Web), 2, _rig.Clock.GetUtcNow());

        await _rig.Writer.ApplyAsync(ScalerRig.Web, stale, decision, _rig.Leadership.Term!);

        Assert.Equal(4, _rig.Swarm.Replicas(ScalerRig.Web));
        Assert.Contains(_rig.Journal.Entries, e => e is DecisionAbandoned a && a.Reason.Contains("changed under the Scaler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_leader_whose_term_ended_cannot_record_nor_write_docker_after_a_newer_one()
    {
        var old = await _rig.ElectAsync("scaler-1");
        await _rig.FireAsync("e1");
        var newer = await _rig.ElectAsync("scaler-2");
        await _rig.PassAsync();
        var state = await _rig.Swarm.InspectAsync(ScalerRig.Web, CancellationToken.None);

        Assert.True(_rig.Writer.FencedOut(state, old));
        Assert.False(_rig.Writer.FencedOut(state, newer));
        await Assert.ThrowsAsync<LeadershipLostException>(() => _rig.Reconciler.PassAsync([ScalerRig.Web], true, old));
        Assert.Equal(1, _rig.Swarm.Updates);
    }

    [Fact]
    public async Task A_refusal_is_recorded_once_and_its_repeats_counted()
    {
        _rig.Swarm.With(ScalerRig.Web, 4);
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");

        for (var i = 0; i < 6; i++)
        {
            await _rig.PassAsync();
            _rig.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        var atMax = Assert.Single(_rig.Decisions);
        Assert.Equal((ScaleOutcome.AtMaximum, 5), (atMax.Decision.Outcome, atMax.Repeats));
    }

    [Fact]
    public async Task A_service_docker_does_not_have_is_recorded_as_failed_once_when_something_asks_for_it()
    {
        var rig = new ScalerRig(new Dictionary<string, string?> { ["Scaler:Services:pretix_gone:Max"] = "3" });
        using (rig)
        {
            await rig.ElectAsync();
            await rig.Reconciler.PassAsync(["pretix_gone"], true, rig.Leadership.Term!);
            Assert.Empty(rig.State.Query("pretix_gone", null, null, null, 10));
            await rig.Journal.AppendAsync(new AlertFiring("a1", "pretix_gone", "gone", Policy.Direction.Up, ScalerRig.T0, ScalerRig.T0), CancellationToken.None);
            await rig.Reconciler.PassAsync(["pretix_gone"], true, rig.Leadership.Term!);
            await rig.Reconciler.PassAsync(["pretix_gone"], true, rig.Leadership.Term!);

            var failed = Assert.Single(rig.State.Query("pretix_gone", null, null, null, 10));
            Assert.Equal((ScaleOutcome.Failed, 1), (failed.Decision.Outcome, failed.Repeats));
            Assert.Contains("no service named pretix_gone", failed.Decision.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_operator_request_waits_for_docker_and_is_answered_by_the_decision_that_applies_it()
    {
        await _rig.ElectAsync();
        await _rig.PassAsync();
        _rig.Swarm.Down = true;
        await _rig.Intake.RequestAsync("operator:r1", ScalerRig.Web, null, 1, "alice", "sale", CancellationToken.None);

        await _rig.PassAsync();
        var waiting = _rig.State.DecisionFor("operator:r1");
        _rig.Swarm.Down = false;
        _rig.Clock.Advance(TimeSpan.FromSeconds(2));
        await _rig.PassAsync();

        Assert.Equal(ScaleOutcome.Waiting, waiting?.Decision.Outcome);
        Assert.Equal((ScaleOutcome.Applied, "operator:alice"), (_rig.State.DecisionFor("operator:r1")?.Decision.Outcome, _rig.State.DecisionFor("operator:r1")?.Decision.Trigger));
        Assert.Equal(3, _rig.Swarm.Replicas(ScalerRig.Web));
    }

    private ScaleDecisionRecorded Decision(int from, int to) =>
        new(Guid.NewGuid(), ScalerRig.Web, from, to, ScaleOutcome.Applied, "step up", "e0", _rig.Clock.GetUtcNow(), "e0");
}
