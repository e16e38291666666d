using PretixOps.Contracts;

namespace PretixOps.Scaler.Tests;

public sealed class DecisionHistoryTests : IDisposable
{
    private const string Web = "pretix_web";
    private const string Redis = "pretix_redisslave";
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Keys = ["k1", "k2", "k3", "k4", "k5", "k6"];

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-history-").FullName;
    private readonly List<DecisionHistory> _opened = [];

    private string Journal => Path.Combine(_folder, "state", "decisions.jsonl");

    public void Dispose()
    {
        foreach (var history in _opened)
        {
            history.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(null, null, null, "a-5,a-4,a-3,a-2,a-1")]
    [InlineData(Web, null, null, "a-5,a-4,a-3,a-1")]
    [InlineData(Redis, null, null, "a-2")]
    [InlineData("pretix_db", null, null, "")]
    [InlineData(null, 2, null, "a-5,a-4,a-3")]
    [InlineData(null, 5, null, "")]
    [InlineData(null, null, ScaleOutcome.Applied, "a-5,a-2,a-1")]
    [InlineData(null, null, ScaleOutcome.Failed, "a-4")]
    [InlineData(Web, 1, ScaleOutcome.Applied, "a-5")]
    public void A_restored_history_answers_queries_newest_first_as_the_one_that_wrote_it(
        string? service, int? sinceMinutes, ScaleOutcome? outcome, string triggers)
    {
        var since = sinceMinutes is { } minutes ? T0.AddMinutes(minutes) : (DateTimeOffset?)null;
        var writer = Open();
        Seed(writer);
        var written = writer.Query(service, since, outcome);
        writer.Dispose();

        var restored = Open().Query(service, since, outcome);

        Assert.Equal(triggers, string.Join(",", written.Select(d => d.Trigger)));
        Assert.Equal(written, restored);
    }

    [Fact]
    public void A_restored_history_knows_what_was_decided_applied_and_deferred()
    {
        var writer = Open();
        Seed(writer);
        var expected = Snapshot(writer);
        writer.Dispose();

        var restored = Snapshot(Open());

        Assert.Equal(expected, restored);
        Assert.Equal(
            new Facts(
                Decided: "k1,k2,k3,k5",
                LastUpWeb: T0,
                LastDownWeb: T0.AddMinutes(4),
                LastUpRedis: T0.AddMinutes(1),
                LastDownRedis: null,
                UpReasonWeb: T0.AddMinutes(2),
                UpReasonRedis: T0.AddMinutes(1),
                DueBefore: "",
                DueAt: $"k3/after:{T0.AddMinutes(7):O}",
                Intent: new DecisionHistory.Intent("k6", Web, 2, 3)),
            restored);
    }

    [Theory]
    [InlineData(ScaleOutcome.Applied, true)]
    [InlineData(ScaleOutcome.DryRun, true)]
    [InlineData(ScaleOutcome.Cooldown, true)]
    [InlineData(ScaleOutcome.AtMaximum, true)]
    [InlineData(ScaleOutcome.AtMinimum, true)]
    [InlineData(ScaleOutcome.NoMatchingRule, true)]
    [InlineData(ScaleOutcome.NotAllowed, true)]
    [InlineData(ScaleOutcome.Duplicate, true)]
    [InlineData(ScaleOutcome.Paused, true)]
    [InlineData(ScaleOutcome.Failed, false)]
    public void Every_decision_but_a_failed_one_makes_its_trigger_decided_before_and_after_a_restart(ScaleOutcome outcome, bool decided)
    {
        var writer = Open();
        writer.Record("k", Decision(Web, outcome, "a-1", T0), null);
        var before = writer.IsDecided("k");
        writer.Dispose();

        var after = Open().IsDecided("k");

        Assert.Equal((decided, decided), (before, after));
    }

    [Fact]
    public void Only_an_applied_decision_with_a_direction_starts_a_cooldown()
    {
        var history = Open();

        history.Record("k1", Decision(Web, ScaleOutcome.DryRun, "a-1", T0), Direction.Up);
        history.Record("k2", Decision(Web, ScaleOutcome.Cooldown, "a-2", T0), null);

        Assert.Null(history.LastApplied(Web, Direction.Up));
        Assert.Null(history.LastApplied(Web, Direction.Down));
    }

    [Fact]
    public void A_decision_about_a_deferred_trigger_ends_the_deferral_also_after_a_restart()
    {
        var writer = Open();
        var until = T0.AddMinutes(5);
        writer.Defer(new DecisionHistory.Deferred("k1/after", "a-1", Web, until));
        writer.Record("k1", Decision(Web, ScaleOutcome.Cooldown, "a-1", T0), null);
        var stillDeferred = writer.DueDeferrals(until).Count;
        writer.Record("k1/after", Decision(Web, ScaleOutcome.Applied, "a-1", until), Direction.Down);
        var afterDecision = writer.DueDeferrals(until).Count;
        writer.Dispose();

        var restored = Open().DueDeferrals(until.AddHours(1)).Count;

        Assert.Equal((1, 0, 0), (stillDeferred, afterDecision, restored));
    }

    [Fact]
    public void A_recorded_decision_ends_the_intent_of_its_trigger()
    {
        var history = Open();
        history.Intend(new DecisionHistory.Intent("k1", Web, 2, 3));

        history.Record("k1", Decision(Web, ScaleOutcome.Applied, "a-1", T0), Direction.Up);

        Assert.Null(history.PendingIntent("k1"));
    }

    [Fact]
    public void A_line_cut_short_at_the_end_of_the_journal_is_ignored()
    {
        var writer = Open();
        Seed(writer);
        var facts = Snapshot(writer);
        var decisions = writer.Query(null, null, null);
        writer.Dispose();
        File.AppendAllText(Journal, "{\"kind\":\"decision\",\"service\":\"pretix_web\",\"key\":\"k9\",\"decision\":{\"decisionId\":\"3f");

        var restored = Open();

        Assert.Equal(facts, Snapshot(restored));
        Assert.Equal(decisions, restored.Query(null, null, null));
        Assert.False(restored.IsDecided("k9"));
    }

    private static void Seed(DecisionHistory history)
    {
        history.Record("k1", Decision(Web, ScaleOutcome.Applied, "a-1", T0, 2, 3), Direction.Up);
        history.NoteUpReason(Redis, T0.AddMinutes(1));
        history.Record("k2", Decision(Redis, ScaleOutcome.Applied, "a-2", T0.AddMinutes(1), 2, 3), Direction.Up);
        history.NoteUpReason(Web, T0.AddMinutes(2));
        history.Record("k3", Decision(Web, ScaleOutcome.Cooldown, "a-3", T0.AddMinutes(2), 3, 3), null);
        history.Defer(new DecisionHistory.Deferred($"k3/after:{T0.AddMinutes(7):O}", "a-3", Web, T0.AddMinutes(7)));
        history.Record("k4", Decision(Web, ScaleOutcome.Failed, "a-4", T0.AddMinutes(3)), null);
        history.Record("k5", Decision(Web, ScaleOutcome.Applied, "a-5", T0.AddMinutes(4), 3, 2), Direction.Down);
        history.Intend(new DecisionHistory.Intent("k6", Web, 2, 3));
    }

    private static Facts Snapshot(DecisionHistory history) => new(
        string.Join(",", Keys.Where(history.IsDecided)),
        history.LastApplied(Web, Direction.Up),
        history.LastApplied(Web, Direction.Down),
        history.LastApplied(Redis, Direction.Up),
        history.LastApplied(Redis, Direction.Down),
        history.LastUpReason(Web),
        history.LastUpReason(Redis),
        string.Join(",", history.DueDeferrals(T0.AddMinutes(7).AddTicks(-1)).Select(d => d.Key)),
        string.Join(",", history.DueDeferrals(T0.AddMinutes(7)).Select(d => d.Key)),
        history.PendingIntent("k6"));

    private static ScaleDecisionRecorded Decision(string service, ScaleOutcome outcome, string trigger, DateTimeOffset at, int from = 0, int to = 0) =>
        new(Guid.NewGuid(), service, from, to, outcome, $"{outcome} for the test", trigger, at);

    private DecisionHistory Open()
    {
        var history = new DecisionHistory(Journal);
        _opened.Add(history);
        return history;
    }

    private sealed record Facts(
        string Decided,
        DateTimeOffset? LastUpWeb,
        DateTimeOffset? LastDownWeb,
        DateTimeOffset? LastUpRedis,
        DateTimeOffset? LastDownRedis,
        DateTimeOffset? UpReasonWeb,
        DateTimeOffset? UpReasonRedis,
        string DueBefore,
        string DueAt,
        DecisionHistory.Intent? Intent);
}
