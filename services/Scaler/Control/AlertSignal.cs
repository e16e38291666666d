using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// The alert rules' say, level-triggered: while any up alert fires, one step up per <c>CooldownUp</c>; while a down
/// rule's alert fires (and no up alert), one step down per <c>CooldownDown</c>; after an up alert ended, nothing goes
/// down for the <c>StabilizationWindow</c>; then, for a service without metric targets, one step down per
/// <c>CooldownDown</c> back to the floor (with metric targets, the count is theirs). An alert not repeated within
/// <c>AlertStaleAfter</c> has stopped counting.
/// </summary>
internal static class AlertSignal
{
    public static Proposal? Evaluate(
        ServicePolicy policy, ServiceSignals signals, ServiceHistory history, int current, Bounds bounds, DateTimeOffset now)
    {
        var firing = Firing(policy, signals.Alerts, now);
        var lastUp = history.LastStep(up: true);
        var lastDown = history.LastStep(up: false);

        if (firing.FirstOrDefault(a => a.Direction == Direction.Up) is { } up)
        {
            var ready = lastUp is null || now >= lastUp + policy.CooldownUp;
            var step = ScaleStep.Parse(policy.StepUp);
            return ready
                ? new Proposal(current + step.Of(current), HoldsDown: true, "alert-up",
                    $"rule {up.Rule} firing since {up.Since:O}: step up {policy.StepUp}", up.AlertId)
                : new Proposal(current, HoldsDown: true, "alert-up", "", up.AlertId,
                    new Refusal(ScaleOutcome.Cooldown, "cooldown-up",
                        $"rule {up.Rule} firing since {up.Since:O}; scaled up at {lastUp:O}, the next step up waits for cooldown up ({policy.CooldownUp}) until {lastUp + policy.CooldownUp:O}",
                        up.AlertId));
        }

        if (current <= bounds.Min)
        {
            return null;
        }

        if (firing.FirstOrDefault(a => a.Direction == Direction.Down) is { } down)
        {
            return StepDown(policy, current, lastDown, now, $"rule {down.Rule} firing since {down.Since:O}", down.AlertId);
        }

        if (LastUpEnded(policy, signals, now) is not { } ended)
        {
            // No up alert ever ended for this service: the alerts have nothing to say about its count.
            return null;
        }

        var until = ReasonAt(policy, ended, lastUp) + policy.StabilizationWindow;
        if (now < until)
        {
            return new Proposal(current, HoldsDown: true, "alert-down", "", ended.AlertId,
                new Refusal(ScaleOutcome.Cooldown, "stabilization-alert",
                    $"stabilization: a reason to scale up was in force until {until - policy.StabilizationWindow:O}; scaling down waits until {until:O}",
                    ended.AlertId));
        }

        // With metric targets the count is theirs once the window has passed; alone, the alerts lead it back to the floor.
        return policy.Metrics.Count > 0
            ? null
            : StepDown(policy, current, lastDown, now, $"no up alert since {ended.At:O} (stabilization window {policy.StabilizationWindow} passed)",
                ended.AlertId);
    }

    /// <summary>When the alert clocks end: cooldowns run from the last steps, the window from the last reason to scale up.</summary>
    public static DateTimeOffset? StabilizationEnd(ServicePolicy policy, ServiceSignals signals, ServiceHistory history, DateTimeOffset now)
    {
        if (Firing(policy, signals.Alerts, now).Any(a => a.Direction == Direction.Up) || LastUpEnded(policy, signals, now) is not { } ended)
        {
            return null;
        }

        var until = ReasonAt(policy, ended, history.LastStep(up: true)) + policy.StabilizationWindow;
        return until > now ? until : null;
    }

    /// <summary>
    /// When the last reason to scale up was in force: the last up alert's end, or, for a service the alerts alone
    /// lead, a later step up (an operator's, say), which the window then protects too. With metric targets, their own
    /// stabilization protects their steps.
    /// </summary>
    private static DateTimeOffset ReasonAt(ServicePolicy policy, EndedAlert ended, DateTimeOffset? lastUp) =>
        policy.Metrics.Count == 0 && lastUp is { } stepped && stepped > ended.At ? stepped : ended.At;

    /// <summary>The episodes that count now, oldest first: a stale one (no repeat within AlertStaleAfter) does not.</summary>
    public static IReadOnlyList<AlertEpisode> Firing(ServicePolicy policy, IReadOnlyList<AlertEpisode> alerts, DateTimeOffset now) =>
        [.. alerts.Where(a => now < a.LastSeen + policy.AlertStaleAfter).OrderBy(a => a.Since).ThenBy(a => a.AlertId, StringComparer.Ordinal)];

    /// <summary>The last up episode that ended: resolved, or gone stale (it ended when it went stale).</summary>
    private static EndedAlert? LastUpEnded(ServicePolicy policy, ServiceSignals signals, DateTimeOffset now)
    {
        var stale = signals.Alerts
            .Where(a => a.Direction == Direction.Up && now >= a.LastSeen + policy.AlertStaleAfter)
            .Select(a => new EndedAlert(a.AlertId, a.LastSeen + policy.AlertStaleAfter))
            .MaxBy(a => a.At);
        return (signals.LastUpAlertEnded, stale) switch
        {
            (null, var s) => s,
            (var r, null) => r,
            var (r, s) => s.At > r.At ? s : r,
        };
    }

    private static Proposal StepDown(ServicePolicy policy, int current, DateTimeOffset? lastDown, DateTimeOffset now, string why, string trigger)
    {
        if (lastDown is { } at && now < at + policy.CooldownDown)
        {
            return new Proposal(current, HoldsDown: true, "alert-down", "", trigger,
                new Refusal(ScaleOutcome.Cooldown, "cooldown-down",
                    $"{why}; scaled down at {at:O}, the next step down waits for cooldown down ({policy.CooldownDown}) until {at + policy.CooldownDown:O}",
                    trigger));
        }

        var step = ScaleStep.Parse(policy.StepDown);
        return new Proposal(Math.Max(0, current - step.Of(current)), HoldsDown: false, "alert-down", $"{why}: step down {policy.StepDown}", trigger);
    }
}
