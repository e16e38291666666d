using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// The alert rules' say, level-triggered: while any up alert fires, one step up per <c>CooldownUp</c>; while a down
/// rule's alert fires (and no up alert), one step down per <c>CooldownDown</c>; after a reason to scale up ended (an up
/// alert resolved or went stale, a schedule window that raised the floor closed), nothing goes down for the
/// <c>StabilizationWindow</c>; then, for a service without metric targets, one step down per <c>CooldownDown</c> back to
/// the floor (with metric targets, the count is theirs). An alert not repeated within <c>AlertStaleAfter</c> has
/// stopped counting.
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

        if (LastReasonEnded(policy, signals, now) is not { } ended)
        {
            // No reason to scale up ever ended for this service: nothing here says its count is more than it needs.
            return null;
        }

        var until = ReasonAt(policy, ended, lastUp) + policy.StabilizationWindow;
        if (now < until)
        {
            return new Proposal(current, HoldsDown: true, "alert-down", "", ended.Trigger,
                new Refusal(ScaleOutcome.Cooldown, "stabilization-alert",
                    $"stabilization: a reason to scale up was in force until {until - policy.StabilizationWindow:O}; scaling down waits until {until:O}",
                    ended.Trigger));
        }

        // With metric targets the count is theirs once the window has passed; alone, the alerts lead it back to the floor.
        return policy.Metrics.Count > 0
            ? null
            : StepDown(policy, current, lastDown, now, $"{ended.What} at {ended.At:O} (stabilization window {policy.StabilizationWindow} passed)",
                ended.Trigger);
    }

    /// <summary>When the alert clocks end: cooldowns run from the last steps, the window from the last reason to scale up.</summary>
    public static DateTimeOffset? StabilizationEnd(ServicePolicy policy, ServiceSignals signals, ServiceHistory history, DateTimeOffset now)
    {
        if (Firing(policy, signals.Alerts, now).Any(a => a.Direction == Direction.Up) || LastReasonEnded(policy, signals, now) is not { } ended)
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
    private static DateTimeOffset ReasonAt(ServicePolicy policy, EndedReason ended, DateTimeOffset? lastUp) =>
        policy.Metrics.Count == 0 && lastUp is { } stepped && stepped > ended.At ? stepped : ended.At;

    /// <summary>The episodes that count now, oldest first: a stale one (no repeat within AlertStaleAfter) does not.</summary>
    public static IReadOnlyList<AlertEpisode> Firing(ServicePolicy policy, IReadOnlyList<AlertEpisode> alerts, DateTimeOffset now) =>
        [.. alerts.Where(a => now < a.LastSeen + policy.AlertStaleAfter).OrderBy(a => a.Since).ThenBy(a => a.AlertId, StringComparer.Ordinal)];

    /// <summary>
    /// The last reason to scale up that ended: an up episode resolved, or gone stale (it ended when it went stale), or a
    /// schedule window that raised the floor closed (looked for over the longest window a policy may set, and a day).
    /// </summary>
    private static EndedReason? LastReasonEnded(ServicePolicy policy, ServiceSignals signals, DateTimeOffset now)
    {
        var stale = signals.Alerts
            .Where(a => a.Direction == Direction.Up && now >= a.LastSeen + policy.AlertStaleAfter)
            .Select(a => new EndedReason(a.AlertId, a.LastSeen + policy.AlertStaleAfter, $"the up alert {a.AlertId} went stale"));
        var resolved = signals.LastUpAlertEnded is { } r ? [new EndedReason(r.AlertId, r.At, $"no up alert since {r.AlertId} ended")] : Array.Empty<EndedReason>();
        var closed = policy.Schedules
            .Where(w => w.Min is not null)
            .Select(w => (Window: w, At: w.OpenUntil(now) is null ? w.LastClosedAt(now, ServicePolicy.LongestClock * 2) : null))
            .Where(w => w.At is not null)
            .Select(w => new EndedReason($"schedule:{w.Window.Name}", w.At!.Value, $"window {w.Window.Name} closed"));
        return stale.Concat(resolved).Concat(closed).MaxBy(e => e.At);
    }

    private sealed record EndedReason(string Trigger, DateTimeOffset At, string What);

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
