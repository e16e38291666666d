using PretixOps.Contracts;

namespace PretixOps.Scaler;

/// <summary>
/// What to do about one trigger for one service, given its policy, what the record says happened before,
/// and the replica count Docker reports. Pure: the clock and the record are arguments.
/// </summary>
public static class DecisionPolicy
{
    public sealed record Verdict(ScaleOutcome Outcome, int To, string Reason, DateTimeOffset? DeferUntil = null);

    public static Verdict ForAlert(ServicePolicy policy, DecisionHistory history, string service, Direction direction, int current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(history);
        if (policy.Paused)
        {
            return new(ScaleOutcome.Paused, current, "the service's policy is paused.");
        }

        if (direction == Direction.Up)
        {
            if (current >= policy.Max)
            {
                return new(ScaleOutcome.AtMaximum, current, $"already at or above max {policy.Max}.");
            }

            if (history.LastApplied(service, Direction.Up) is { } up && now - up < policy.CooldownUp)
            {
                return new(ScaleOutcome.Cooldown, current, $"scaled up at {up:O}; cooldown up is {policy.CooldownUp}.");
            }

            var stepUp = ScaleStep.Parse(policy.StepUp);
            return Finish(policy, current, Math.Min(policy.Max, Math.Max(policy.Min, current + stepUp.Of(current))), $"step up {policy.StepUp}");
        }

        if (current <= policy.Min)
        {
            return new(ScaleOutcome.AtMinimum, current, $"already at or below min {policy.Min}.");
        }

        if (history.LastUpReason(service) is { } reason && now - reason < policy.StabilizationWindow)
        {
            var until = reason + policy.StabilizationWindow;
            return new(ScaleOutcome.Cooldown, current,
                $"stabilization: a reason to scale up was seen at {reason:O}; scaling down is deferred until {until:O}.", until);
        }

        if (history.LastApplied(service, Direction.Down) is { } down && now - down < policy.CooldownDown)
        {
            var until = down + policy.CooldownDown;
            return new(ScaleOutcome.Cooldown, current, $"scaled down at {down:O}; cooldown down is {policy.CooldownDown}.", until);
        }

        var stepDown = ScaleStep.Parse(policy.StepDown);
        return Finish(policy, current, Math.Max(policy.Min, Math.Min(policy.Max, current - stepDown.Of(current))), $"step down {policy.StepDown}");
    }

    /// <summary>An operator's request: bounds and pause apply, cooldowns do not (a person decided).</summary>
    public static Verdict ForOperator(ServicePolicy policy, int current, int? replicas, int? delta)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Paused)
        {
            return new(ScaleOutcome.Paused, current, "the service's policy is paused.");
        }

        var wanted = replicas ?? current + (delta ?? 0);
        if (wanted > policy.Max)
        {
            return new(ScaleOutcome.AtMaximum, current, $"{wanted} replicas requested; the policy's max is {policy.Max}.");
        }

        if (wanted < policy.Min)
        {
            return new(ScaleOutcome.AtMinimum, current, $"{wanted} replicas requested; the policy's min is {policy.Min}.");
        }

        return Finish(policy, current, wanted, "operator request");
    }

    private static Verdict Finish(ServicePolicy policy, int current, int to, string why) =>
        policy.DryRun
            ? new(ScaleOutcome.DryRun, to, $"{why}: would scale {current} -> {to} (dry run).")
            : new(ScaleOutcome.Applied, to, $"{why}: {current} -> {to}.");
}
