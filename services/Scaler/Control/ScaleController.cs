using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// The controller's arithmetic, and its public seam: <c>(policy, signals, history, current replicas, now) →
/// decision</c>, pure (no clock, no I/O), so the Scaler, its status API and the policy simulator run the very same
/// code. Level-triggered, like Kubernetes' HPA: it looks at what is in force now, never at the event that woke it.
/// </summary>
/// <remarks>
/// In order: a pause freezes the service (at its count, or at the one given); an operator's request is decided
/// through the bounds; a count outside the bounds in force (schedule windows included) goes straight to them, as HPA
/// does; otherwise each signal proposes (alerts, metric targets), the largest wish to go up wins, any signal that
/// holds forbids going down, and the highest wish to go down applies; rate limits and the bounds come last. Dry run
/// turns a change into a record of it.
/// </remarks>
public static class ScaleController
{
    public static Decision Decide(ServicePolicy policy, ServiceSignals signals, ServiceHistory history, int current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(history);

        var bounds = Bounds.At(policy, now);
        var controls = signals.Controls;
        var paused = controls.Paused ?? policy.Paused;
        var dryRun = controls.DryRun ?? policy.DryRun;
        var metrics = TargetTracking.Evaluate(policy, signals, history, current, now);
        var inputs = new DecisionInputs(
            [.. AlertSignal.Firing(policy, signals.Alerts, now).Select(a => new AlertInput(a.AlertId, a.Rule, a.Direction.ToString(), a.Since))],
            metrics.Inputs,
            [.. bounds.Windows.Select(w => w.Window.Describe())],
            bounds.Min,
            bounds.Max,
            paused,
            dryRun);
        var clocks = Clocks(policy, signals, history, metrics.StabilizationEnd, now);
        var context = new Context(policy, current, dryRun, inputs, clocks, metrics.Raw);

        if (paused)
        {
            var by = $"control:{controls.By ?? "policy"}";
            if (controls.PauseReplicas is { } frozen && frozen != current)
            {
                return context.Change(frozen, "pause-at", $"paused at {frozen} by {controls.By}: {controls.Reason}", by);
            }

            var would = signals.Request is { } pending
                ? Requested(context, bounds, pending)
                : Automatic(context, signals, history, metrics.Proposal, bounds, now);
            if (signals.Request is not null && !Moves(would))
            {
                // A request the bounds refuse (or one for the count it has) is answered as such, pause or not.
                return would;
            }

            return Moves(would)
                ? context.Refuse(ScaleOutcome.Paused, would.To, "paused",
                    $"paused by {controls.By ?? "the policy"}{(controls.At is { } at ? $" since {at:O}" : "")}{(controls.Reason is { } why ? $" ({why})" : "")}; would scale {current} -> {would.To}: {would.Reason}",
                    by, would.RequestId)
                : context.Steady();
        }

        return signals.Request is { } asking
            ? Requested(context, bounds, asking)
            : Automatic(context, signals, history, metrics.Proposal, bounds, now);
    }

    /// <summary>An operator's one-off change: bounds (and pause, above) apply; cooldowns and rate limits do not, a person decided.</summary>
    private static Decision Requested(Context context, Bounds bounds, OperatorRequest request)
    {
        var current = context.Current;
        var wanted = request.Replicas ?? current + (request.Delta ?? 0);
        var trigger = $"operator:{request.By}";
        if (wanted > bounds.Max)
        {
            return context.Refuse(ScaleOutcome.AtMaximum, current, "operator", $"{wanted} replicas requested; {bounds.DescribeMax(context.Policy)}.",
                trigger, request.RequestId);
        }

        if (wanted < bounds.Min)
        {
            return context.Refuse(ScaleOutcome.AtMinimum, current, "operator", $"{wanted} replicas requested; {bounds.DescribeMin(context.Policy)}.",
                trigger, request.RequestId);
        }

        return wanted == current
            ? context.Refuse(ScaleOutcome.Applied, current, "operator", $"already at {current}: nothing to change.", trigger, request.RequestId)
            : context.Change(wanted, "operator", $"operator request by {request.By}: {request.Reason}", trigger, request.RequestId);
    }

    private static Decision Automatic(
        Context context, ServiceSignals signals, ServiceHistory history, Proposal? metric, Bounds bounds, DateTimeOffset now)
    {
        var current = context.Current;
        var policy = context.Policy;
        if (current > bounds.Max)
        {
            return context.Change(bounds.Max, "above-max", $"above the bounds: {bounds.DescribeMax(policy)}", Trigger(bounds, "policy"));
        }

        if (current < bounds.Min)
        {
            return context.Change(bounds.Min, "below-min", $"below the bounds: {bounds.DescribeMin(policy)}", Trigger(bounds, "policy"));
        }

        var proposals = new[] { AlertSignal.Evaluate(policy, signals, history, current, bounds, now), metric }.OfType<Proposal>().ToList();
        if (proposals.Where(p => p.Wanted > current).MaxBy(p => p.Wanted) is { } up)
        {
            var limited = RateLimiter.Limit(policy, history.Scales, current, up.Wanted, now, out var limit);
            var capped = Math.Min(limited, bounds.Max);
            if (capped <= current)
            {
                return current >= bounds.Max
                    ? context.Refuse(ScaleOutcome.AtMaximum, current, up.Code, $"{up.Reason}; already at {current}: {bounds.DescribeMax(policy)}.", up.Trigger)
                    : context.Refuse(ScaleOutcome.Cooldown, current, "rate-limit-up", $"{up.Reason}; {limit}", up.Trigger);
            }

            return context.Change(capped, up.Code,
                up.Reason + Qualifiers(limited < up.Wanted ? limit : null, capped < limited ? bounds.DescribeMax(policy) : null), up.Trigger);
        }

        var holds = proposals.Any(p => p.HoldsDown || p.Wanted >= current);
        if (!holds && proposals.Where(p => p.Wanted < current).MaxBy(p => p.Wanted) is { } down)
        {
            var limited = RateLimiter.Limit(policy, history.Scales, current, down.Wanted, now, out var limit);
            var floored = Math.Max(limited, bounds.Min);
            if (floored >= current)
            {
                // At the floor there is nothing to refuse: going back to Min is where the alerts and metrics lead.
                return limit is not null && current > bounds.Min
                    ? context.Refuse(ScaleOutcome.Cooldown, current, "rate-limit-down", $"{down.Reason}; {limit}", down.Trigger)
                    : context.Steady();
            }

            return context.Change(floored, down.Code,
                down.Reason + Qualifiers(limited > down.Wanted ? limit : null, floored > limited ? bounds.DescribeMin(policy) : null), down.Trigger);
        }

        // Steady: record why something that wanted to move did not (a cooldown, the window, a failing source), once.
        return proposals.Select(p => p.Note).OfType<Refusal>().OrderBy(n => n.Outcome == ScaleOutcome.Held ? 0 : 1).FirstOrDefault() is { } note
            ? context.Refuse(note.Outcome, current, note.Code, note.Reason, note.Trigger)
            : context.Steady();
    }

    private static ServiceClocks Clocks(ServicePolicy policy, ServiceSignals signals, ServiceHistory history, DateTimeOffset? metricUntil, DateTimeOffset now)
    {
        DateTimeOffset? Future(DateTimeOffset? at) => at > now ? at : null;
        var alertUntil = AlertSignal.StabilizationEnd(policy, signals, history, now);
        return new ServiceClocks(
            Future(history.LastStep(up: true) + policy.CooldownUp),
            Future(history.LastStep(up: false) + policy.CooldownDown),
            Future(alertUntil is null ? metricUntil : metricUntil is null ? alertUntil : alertUntil > metricUntil ? alertUntil : metricUntil));
    }

    /// <summary>A change, whether it will be applied or only recorded (dry run).</summary>
    private static bool Moves(Decision decision) => decision.Outcome is ScaleOutcome.Applied or ScaleOutcome.DryRun && decision.To != decision.From;

    private static string Trigger(Bounds bounds, string fallback) =>
        bounds.Windows.Count > 0 ? $"schedule:{bounds.Windows[0].Window.Name}" : fallback;

    private static string Qualifiers(params string?[] notes) =>
        string.Concat(notes.OfType<string>().Select(n => $" ({n})"));

    /// <summary>What every decision of one call shares, and the three ways to conclude.</summary>
    private sealed record Context(ServicePolicy Policy, int Current, bool DryRun, DecisionInputs Inputs, ServiceClocks Clocks, int? Raw)
    {
        public Decision Change(int to, string code, string reason, string trigger, string? requestId = null) =>
            DryRun
                ? new(ScaleOutcome.DryRun, Current, to, code, $"{reason}: would scale {Current} -> {to} (dry run).", trigger, Inputs, Clocks, Raw, requestId)
                : new(ScaleOutcome.Applied, Current, to, code, $"{reason}: {Current} -> {to}.", trigger, Inputs, Clocks, Raw, requestId);

        public Decision Refuse(ScaleOutcome outcome, int to, string code, string reason, string trigger, string? requestId = null) =>
            new(outcome, Current, to, code, reason.EndsWith('.') ? reason : reason + ".", trigger, Inputs, Clocks, Raw, requestId);

        public Decision Steady() => new(null, Current, Current, "steady", "nothing to change.", "", Inputs, Clocks, Raw);
    }
}
