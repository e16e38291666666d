using PretixOps.Contracts;

namespace PretixOps.Scaler.Tests;

public sealed class DecisionPolicyTests : IDisposable
{
    private const string Web = "pretix_web";
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-policy-").FullName;
    private readonly DecisionHistory _history;

    public DecisionPolicyTests() => _history = new DecisionHistory(Path.Combine(_folder, "decisions.jsonl"));

    public void Dispose()
    {
        _history.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(Direction.Up, 6, ScaleOutcome.AtMaximum, 6, "already at or above max 6.")]
    [InlineData(Direction.Up, 8, ScaleOutcome.AtMaximum, 8, "already at or above max 6.")]
    [InlineData(Direction.Up, 5, ScaleOutcome.Applied, 6, "step up 1: 5 -> 6.")]
    [InlineData(Direction.Down, 2, ScaleOutcome.AtMinimum, 2, "already at or below min 2.")]
    [InlineData(Direction.Down, 1, ScaleOutcome.AtMinimum, 1, "already at or below min 2.")]
    [InlineData(Direction.Down, 3, ScaleOutcome.Applied, 2, "step down 1: 3 -> 2.")]
    public void An_alert_at_a_bound_changes_nothing_and_says_which_bound(
        Direction direction, int current, ScaleOutcome outcome, int to, string reason)
    {
        var verdict = DecisionPolicy.ForAlert(Policy(), _history, Web, direction, current, T0);

        Assert.Equal((outcome, to, reason), (verdict.Outcome, verdict.To, verdict.Reason));
        Assert.Null(verdict.DeferUntil);
    }

    [Theory]
    [InlineData(Direction.Up, "3", 5, 6)]
    [InlineData(Direction.Up, "100%", 4, 6)]
    [InlineData(Direction.Up, "1", 0, 2)]
    [InlineData(Direction.Down, "3", 3, 2)]
    [InlineData(Direction.Down, "100%", 5, 2)]
    [InlineData(Direction.Down, "1", 9, 6)]
    public void A_step_never_goes_beyond_max_or_below_min(Direction direction, string step, int current, int to)
    {
        var policy = Policy(stepUp: step, stepDown: step);

        var verdict = DecisionPolicy.ForAlert(policy, _history, Web, direction, current, T0);

        Assert.Equal((ScaleOutcome.Applied, to), (verdict.Outcome, verdict.To));
        Assert.InRange(verdict.To, policy.Min, policy.Max);
    }

    [Theory]
    [InlineData("1", 3, 4)]
    [InlineData("2", 3, 5)]
    [InlineData("50%", 3, 5)]
    [InlineData("10%", 3, 4)]
    [InlineData("34%", 3, 5)]
    [InlineData("1%", 1, 2)]
    [InlineData("100%", 4, 8)]
    [InlineData("200%", 3, 9)]
    public void A_step_up_adds_whole_replicas_or_a_percentage_rounded_up(string step, int current, int to)
    {
        var verdict = DecisionPolicy.ForAlert(Policy(min: 1, max: 20, stepUp: step), _history, Web, Direction.Up, current, T0);

        Assert.Equal((ScaleOutcome.Applied, to, $"step up {step}: {current} -> {to}."), (verdict.Outcome, verdict.To, verdict.Reason));
    }

    [Fact]
    public void A_percentage_step_up_is_capped_at_max()
    {
        var verdict = DecisionPolicy.ForAlert(Policy(max: 6, stepUp: "100%"), _history, Web, Direction.Up, 4, T0);

        Assert.Equal((ScaleOutcome.Applied, 6), (verdict.Outcome, verdict.To));
    }

    [Theory]
    [InlineData("1", 5, 4)]
    [InlineData("2", 5, 3)]
    [InlineData("50%", 3, 1)]
    [InlineData("10%", 3, 2)]
    [InlineData("1%", 9, 8)]
    public void A_step_down_removes_whole_replicas_or_a_percentage_rounded_up(string step, int current, int to)
    {
        var verdict = DecisionPolicy.ForAlert(Policy(min: 0, max: 20, stepDown: step), _history, Web, Direction.Down, current, T0);

        Assert.Equal((ScaleOutcome.Applied, to, $"step down {step}: {current} -> {to}."), (verdict.Outcome, verdict.To, verdict.Reason));
    }

    [Theory]
    [InlineData(0, ScaleOutcome.Cooldown, 3)]
    [InlineData(179, ScaleOutcome.Cooldown, 3)]
    [InlineData(180, ScaleOutcome.Applied, 4)]
    [InlineData(3600, ScaleOutcome.Applied, 4)]
    public void A_scale_up_within_cooldown_up_of_the_last_scale_up_waits(int secondsLater, ScaleOutcome outcome, int to)
    {
        Applied(Direction.Up, T0);

        var verdict = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Up, 3, T0.AddSeconds(secondsLater));

        Assert.Equal((outcome, to), (verdict.Outcome, verdict.To));
        Assert.Null(verdict.DeferUntil);
        if (outcome == ScaleOutcome.Cooldown)
        {
            Assert.Equal($"scaled up at {T0:O}; cooldown up is 00:03:00.", verdict.Reason);
        }
    }

    [Theory]
    [InlineData(0, ScaleOutcome.Cooldown, 3)]
    [InlineData(299, ScaleOutcome.Cooldown, 3)]
    [InlineData(300, ScaleOutcome.Applied, 2)]
    [InlineData(3600, ScaleOutcome.Applied, 2)]
    public void A_scale_down_within_cooldown_down_of_the_last_scale_down_is_deferred_to_its_end(
        int secondsLater, ScaleOutcome outcome, int to)
    {
        Applied(Direction.Down, T0);

        var verdict = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Down, 3, T0.AddSeconds(secondsLater));

        Assert.Equal((outcome, to), (verdict.Outcome, verdict.To));
        if (outcome == ScaleOutcome.Cooldown)
        {
            Assert.Equal(T0.AddMinutes(5), verdict.DeferUntil);
            Assert.Equal($"scaled down at {T0:O}; cooldown down is 00:05:00.", verdict.Reason);
        }
        else
        {
            Assert.Null(verdict.DeferUntil);
        }
    }

    [Fact]
    public void A_scale_down_right_after_a_scale_up_is_not_held_by_cooldown_up()
    {
        Applied(Direction.Up, T0);

        var verdict = DecisionPolicy.ForAlert(Policy(cooldownUp: 10), _history, Web, Direction.Down, 3, T0.AddMinutes(1));

        Assert.Equal((ScaleOutcome.Applied, 2), (verdict.Outcome, verdict.To));
    }

    [Fact]
    public void A_scale_up_right_after_a_scale_down_is_not_held_by_cooldown_down()
    {
        Applied(Direction.Down, T0);

        var verdict = DecisionPolicy.ForAlert(Policy(cooldownDown: 10), _history, Web, Direction.Up, 3, T0.AddMinutes(1));

        Assert.Equal((ScaleOutcome.Applied, 4), (verdict.Outcome, verdict.To));
    }

    [Fact]
    public void A_scale_down_right_after_a_scale_up_is_held_by_the_stabilization_window_not_by_cooldown_up()
    {
        Applied(Direction.Up, T0);
        _history.NoteUpReason(Web, T0);
        var policy = Policy(cooldownUp: 10, window: 5);

        var inWindow = DecisionPolicy.ForAlert(policy, _history, Web, Direction.Down, 3, T0.AddMinutes(1));
        var afterWindow = DecisionPolicy.ForAlert(policy, _history, Web, Direction.Down, 3, T0.AddMinutes(6));

        Assert.Equal((ScaleOutcome.Cooldown, 3, T0.AddMinutes(5)), (inWindow.Outcome, inWindow.To, inWindow.DeferUntil));
        Assert.Equal((ScaleOutcome.Applied, 2), (afterWindow.Outcome, afterWindow.To));
    }

    [Theory]
    [InlineData(0, ScaleOutcome.Cooldown, 3)]
    [InlineData(60, ScaleOutcome.Cooldown, 3)]
    [InlineData(299, ScaleOutcome.Cooldown, 3)]
    [InlineData(300, ScaleOutcome.Applied, 2)]
    [InlineData(3600, ScaleOutcome.Applied, 2)]
    public void A_scale_down_within_the_stabilization_window_after_a_reason_to_scale_up_is_deferred_to_the_window_end(
        int secondsLater, ScaleOutcome outcome, int to)
    {
        _history.NoteUpReason(Web, T0);

        var verdict = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Down, 3, T0.AddSeconds(secondsLater));

        Assert.Equal((outcome, to), (verdict.Outcome, verdict.To));
        if (outcome == ScaleOutcome.Cooldown)
        {
            var until = T0.AddMinutes(5);
            Assert.Equal(until, verdict.DeferUntil);
            Assert.Equal(
                $"stabilization: a reason to scale up was seen at {T0:O}; scaling down is deferred until {until:O}.", verdict.Reason);
        }
    }

    [Fact]
    public void The_latest_reason_to_scale_up_restarts_the_stabilization_window()
    {
        _history.NoteUpReason(Web, T0);
        _history.NoteUpReason(Web, T0.AddMinutes(4));

        var verdict = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Down, 3, T0.AddMinutes(6));

        Assert.Equal((ScaleOutcome.Cooldown, T0.AddMinutes(9)), (verdict.Outcome, verdict.DeferUntil));
    }

    [Fact]
    public void Another_services_history_does_not_hold_this_one()
    {
        Applied(Direction.Up, T0, "pretix_redisslave");
        _history.NoteUpReason("pretix_redisslave", T0);

        var up = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Up, 3, T0);
        var down = DecisionPolicy.ForAlert(Policy(), _history, Web, Direction.Down, 3, T0);

        Assert.Equal((ScaleOutcome.Applied, ScaleOutcome.Applied), (up.Outcome, down.Outcome));
    }

    [Theory]
    [InlineData(Direction.Up, 3)]
    [InlineData(Direction.Up, 6)]
    [InlineData(Direction.Down, 3)]
    [InlineData(Direction.Down, 2)]
    public void A_paused_policy_changes_nothing(Direction direction, int current)
    {
        var verdict = DecisionPolicy.ForAlert(Policy(paused: true), _history, Web, direction, current, T0);

        Assert.Equal((ScaleOutcome.Paused, current, "the service's policy is paused."), (verdict.Outcome, verdict.To, verdict.Reason));
    }

    [Theory]
    [InlineData(Direction.Up, 3, ScaleOutcome.DryRun, 4, "step up 1: would scale 3 -> 4 (dry run).")]
    [InlineData(Direction.Down, 3, ScaleOutcome.DryRun, 2, "step down 1: would scale 3 -> 2 (dry run).")]
    [InlineData(Direction.Up, 6, ScaleOutcome.AtMaximum, 6, "already at or above max 6.")]
    [InlineData(Direction.Down, 2, ScaleOutcome.AtMinimum, 2, "already at or below min 2.")]
    public void A_dry_run_policy_says_what_it_would_do(Direction direction, int current, ScaleOutcome outcome, int to, string reason)
    {
        var verdict = DecisionPolicy.ForAlert(Policy(dryRun: true), _history, Web, direction, current, T0);

        Assert.Equal((outcome, to, reason), (verdict.Outcome, verdict.To, verdict.Reason));
    }

    [Theory]
    [InlineData(3, 7, null, ScaleOutcome.AtMaximum, 3, "7 replicas requested; the policy's max is 6.")]
    [InlineData(3, null, 4, ScaleOutcome.AtMaximum, 3, "7 replicas requested; the policy's max is 6.")]
    [InlineData(3, 1, null, ScaleOutcome.AtMinimum, 3, "1 replicas requested; the policy's min is 2.")]
    [InlineData(3, null, -2, ScaleOutcome.AtMinimum, 3, "1 replicas requested; the policy's min is 2.")]
    [InlineData(3, 6, null, ScaleOutcome.Applied, 6, "operator request: 3 -> 6.")]
    [InlineData(3, 2, null, ScaleOutcome.Applied, 2, "operator request: 3 -> 2.")]
    [InlineData(3, null, 2, ScaleOutcome.Applied, 5, "operator request: 3 -> 5.")]
    [InlineData(3, null, -1, ScaleOutcome.Applied, 2, "operator request: 3 -> 2.")]
    [InlineData(8, 6, null, ScaleOutcome.Applied, 6, "operator request: 8 -> 6.")]
    public void An_operator_request_is_held_to_the_bounds(int current, int? replicas, int? delta, ScaleOutcome outcome, int to, string reason)
    {
        var verdict = DecisionPolicy.ForOperator(Policy(), current, replicas, delta);

        Assert.Equal((outcome, to, reason), (verdict.Outcome, verdict.To, verdict.Reason));
    }

    [Theory]
    [InlineData(true, false, ScaleOutcome.Paused, 3)]
    [InlineData(false, true, ScaleOutcome.DryRun, 5)]
    public void An_operator_request_respects_pause_and_dry_run(bool paused, bool dryRun, ScaleOutcome outcome, int to)
    {
        var verdict = DecisionPolicy.ForOperator(Policy(paused: paused, dryRun: dryRun), 3, 5, null);

        Assert.Equal((outcome, to), (verdict.Outcome, verdict.To));
    }

    private static ServicePolicy Policy(
        int min = 2, int max = 6, string stepUp = "1", string stepDown = "1",
        int cooldownUp = 3, int cooldownDown = 5, int window = 5, bool paused = false, bool dryRun = false) =>
        new()
        {
            Min = min,
            Max = max,
            StepUp = stepUp,
            StepDown = stepDown,
            CooldownUp = TimeSpan.FromMinutes(cooldownUp),
            CooldownDown = TimeSpan.FromMinutes(cooldownDown),
            StabilizationWindow = TimeSpan.FromMinutes(window),
            Paused = paused,
            DryRun = dryRun,
        };

    private void Applied(Direction direction, DateTimeOffset at, string service = Web)
    {
        var (from, to) = direction == Direction.Up ? (2, 3) : (4, 3);
        _history.Record(
            $"applied-{Guid.NewGuid()}",
            new ScaleDecisionRecorded(Guid.NewGuid(), service, from, to, ScaleOutcome.Applied, "set up by the test", "test", at),
            direction);
    }
}
