using System.Text;
using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// The journal folded into state: the same entries give every replica the same state; an ended alert stays ended; a
/// snapshot carries what retention would drop; decisions page newest first; a policy reload refuses what is bad.
/// </summary>
public sealed class ControllerStateTests : IDisposable
{
    private static readonly DateTimeOffset T0 = ScalerRig.T0;

    private readonly ScalerRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_replica_reading_the_journal_from_the_start_knows_what_the_leader_knew()
    {
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");
        await _rig.PassAsync();
        await _rig.ResolveAsync("e1");
        await _rig.Intake.ControlAsync(ScalerRig.Web, paused: null, pauseAt: null, dryRun: true, "alice", "trying", CancellationToken.None);

        var standby = _rig.Journal.Replay();

        Assert.Equal(_rig.State.LastDecision(ScalerRig.Web)?.Recorded().DecisionId, standby.LastDecision(ScalerRig.Web)?.Recorded().DecisionId);
        Assert.Equal(_rig.State.LastDecision(ScalerRig.Web)?.Offset, standby.LastDecision(ScalerRig.Web)?.Offset);
        Assert.Equal(_rig.State.History(ScalerRig.Web).Scales, standby.History(ScalerRig.Web).Scales);
        var signals = standby.Signals(ScalerRig.Web, []);
        Assert.Equal(("alertmanager:e1:2026-06-05T11:59:00.000Z", true, "alice"), (signals.LastUpAlertEnded?.AlertId, signals.Controls.DryRun, signals.Controls.DryRunBy));
        Assert.Equal((_rig.State.Epoch, _rig.State.Incarnation), (standby.Epoch, standby.Incarnation));
    }

    [Fact]
    public async Task An_alert_that_ended_is_not_brought_back_by_a_late_or_replayed_firing()
    {
        await _rig.FireAsync("e1");
        await _rig.ResolveAsync("e1");

        await _rig.Journal.AppendAsync(new AlertFiring("alertmanager:e1:2026-06-05T11:59:00.000Z", ScalerRig.Web, "web-labelled", Direction.Up, T0, T0.AddHours(1)),
            CancellationToken.None);
        await _rig.FireAsync("e1");

        Assert.Empty(_rig.State.Signals(ScalerRig.Web, []).Alerts);
        // The intake did not even write the second firing: the journal already says the episode ended.
        Assert.Equal(2, _rig.Journal.Entries.OfType<AlertFiring>().Count());
    }

    [Fact]
    public async Task A_resolution_delivered_again_does_not_move_the_end_of_the_episode()
    {
        await _rig.FireAsync("e1");
        await _rig.ResolveAsync("e1");
        var ended = _rig.State.Signals(ScalerRig.Web, []).LastUpAlertEnded;

        _rig.Clock.Advance(TimeSpan.FromMinutes(3));
        var again = new AlertEnded("alertmanager:e1:2026-06-05T11:59:00.000Z", ScalerRig.Web, "web-labelled", Direction.Up) { At = _rig.Clock.GetUtcNow() };
        await _rig.Journal.AppendAsync(again, CancellationToken.None);

        Assert.Equal(ended, _rig.State.Signals(ScalerRig.Web, []).LastUpAlertEnded);
    }

    [Fact]
    public void A_policy_file_caught_missing_is_refused_and_the_policy_stays()
    {
        _rig.Set("ConfigFile", "/nonexistent/policy.json");
        _rig.ReloadConfiguration();

        Assert.Equal(4, _rig.Policies.Current.Services[ScalerRig.Web].Max);
        Assert.Contains("pretixops_scaler_policy_refused{field=\"ConfigFile\"} 1", Metrics(), StringComparison.Ordinal);
        _rig.Set("ConfigFile", null);
        _rig.ReloadConfiguration();
    }

    [Fact]
    public async Task A_snapshot_keeps_a_pause_and_a_firing_alert_when_the_entries_before_it_are_gone()
    {
        await _rig.ElectAsync();
        await _rig.Intake.ControlAsync(ScalerRig.Web, paused: true, pauseAt: 3, dryRun: null, "alice", "sale", CancellationToken.None);
        await _rig.FireAsync("e1");
        await _rig.PassAsync();
        var snapshot = _rig.Journal.Entries.OfType<SnapshotTaken>().Last();
        var index = _rig.Journal.Entries.ToList().IndexOf(snapshot);
        Assert.True(index > 0);

        // Retention dropped the segments before the snapshot: a new replica reads from it on.
        var late = new ControllerState(TimeSpan.FromDays(30));
        foreach (var (entry, offset) in _rig.Journal.Entries.Select((e, i) => (e, (long)i)).Skip(index))
        {
            late.Apply(JournalEntry.Deserialize(entry.Serialize())!, offset);
        }

        var signals = late.Signals(ScalerRig.Web, []);
        Assert.Equal((true, 3, "alice"), (signals.Controls.Paused, signals.Controls.PauseReplicas, signals.Controls.By));
        Assert.Single(signals.Alerts);
        Assert.Equal(_rig.State.Incarnation, late.Incarnation);
    }

    [Fact]
    public async Task An_alert_taken_in_while_the_leader_wrote_a_snapshot_is_not_lost_by_it()
    {
        await _rig.FireAsync("e1");
        var snapshot = _rig.State.Snapshot();
        // Another replica's intake appends between the snapshot being taken and its entry reaching the stream.
        await _rig.FireAsync("e2");
        await _rig.Journal.AppendAsync(new SnapshotTaken(snapshot), CancellationToken.None);

        var whole = _rig.Journal.Replay();
        var cut = new ControllerState(TimeSpan.FromDays(30));
        foreach (var (entry, offset) in _rig.Journal.Entries.Select((e, i) => (e, (long)i)).Skip(1))
        {
            cut.Apply(JournalEntry.Deserialize(entry.Serialize())!, offset);
        }

        Assert.Equal(2, _rig.State.Signals(ScalerRig.Web, []).Alerts.Count);
        Assert.Equal(2, whole.Signals(ScalerRig.Web, []).Alerts.Count);
        Assert.Equal(2, cut.Signals(ScalerRig.Web, []).Alerts.Count);
    }

    [Fact]
    public async Task Decisions_are_served_newest_first_a_page_at_a_time_with_a_cursor()
    {
        for (var i = 0; i < 5; i++)
        {
            var decision = new ScaleDecisionRecorded(Guid.NewGuid(), ScalerRig.Web, i, i, ScaleOutcome.Cooldown, $"d{i}", "t", T0.AddMinutes(i));
            await _rig.Journal.AppendAsync(new DecisionMade(null, decision, "c", null, Intent: false), CancellationToken.None);
        }

        var first = _rig.State.Query(ScalerRig.Web, null, null, null, 2);
        var second = _rig.State.Query(ScalerRig.Web, null, null, first[^1].Offset, 2);
        var last = _rig.State.Query(ScalerRig.Web, null, null, second[^1].Offset, 2);

        Assert.Equal(["d4", "d3", "d2", "d1", "d0"], first.Concat(second).Concat(last).Select(d => d.Decision.Reason));
    }

    [Fact]
    public async Task An_entry_of_a_kind_this_version_does_not_know_is_skipped_not_fatal()
    {
        Assert.Null(JournalEntry.Deserialize(Encoding.UTF8.GetBytes("{\"type\":\"fromTheFuture\",\"id\":\"0b6f3a52-6a77-4c55-9d0e-2f4f5b3c8a91\"}")));
        Assert.Null(JournalEntry.Deserialize(Encoding.UTF8.GetBytes("not json")));
        await _rig.FireAsync("e1");
        Assert.Single(_rig.State.Signals(ScalerRig.Web, []).Alerts);
    }

    [Fact]
    public void A_bad_policy_reload_is_refused_naming_the_field_and_the_old_one_stays()
    {
        _rig.Set($"Scaler:Services:{ScalerRig.Web}:Max", "1");
        _rig.ReloadConfiguration();

        Assert.Equal(4, _rig.Policies.Current.Services[ScalerRig.Web].Max);
        Assert.Contains($"pretixops_scaler_policy_refused{{field=\"Scaler:Services:{ScalerRig.Web}:Max\"}} 1", Metrics(), StringComparison.Ordinal);

        _rig.Set($"Scaler:Services:{ScalerRig.Web}:Max", "5");
        _rig.ReloadConfiguration();

        Assert.Equal(5, _rig.Policies.Current.Services[ScalerRig.Web].Max);
        Assert.DoesNotContain($"pretixops_scaler_policy_refused{{field=\"Scaler:Services:{ScalerRig.Web}:Max\"}}", Metrics(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reloaded_policy_decides_the_next_reconcile()
    {
        _rig.Swarm.With(ScalerRig.Web, 4);
        await _rig.ElectAsync();
        await _rig.FireAsync("e1");
        await _rig.PassAsync();
        Assert.Equal(ScaleOutcome.AtMaximum, _rig.Decisions[^1].Decision.Outcome);

        _rig.Set($"Scaler:Services:{ScalerRig.Web}:Max", "6");
        _rig.ReloadConfiguration();
        await _rig.PassAsync();

        Assert.Equal(5, _rig.Swarm.Replicas(ScalerRig.Web));
    }

    private static string Metrics()
    {
        using var stream = new MemoryStream();
        Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
