using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// HPA's behaviour limits, applied last to automatic changes: each limit allows a step per period, counted from
/// the replica count at the period's start (the changes inside the period undone); the most permissive limit
/// applies unless <c>Select</c> says Min or Disabled.
/// </summary>
internal static class RateLimiter
{
    /// <summary>The count <paramref name="desired"/> may move to now; <paramref name="why"/> says what held it back, if anything did.</summary>
    public static int Limit(ServicePolicy policy, IReadOnlyList<ScaleEvent> scales, int current, int desired, DateTimeOffset now, out string? why)
    {
        why = null;
        if (desired == current)
        {
            return desired;
        }

        var up = desired > current;
        var rules = up ? policy.ScaleUp : policy.ScaleDown;
        if (rules.Select == LimitSelect.Disabled)
        {
            why = $"scaling {(up ? "up" : "down")} automatically is disabled (Scale{(up ? "Up" : "Down")}.Select)";
            return current;
        }

        // Up with Max selects the highest proposal, down with Max the lowest: the most change either way.
        var mostChange = rules.Select == LimitSelect.Max;
        int? limit = null;
        foreach (var (step, period) in rules.For(up ? Direction.Up : Direction.Down))
        {
            var inPeriod = scales.Where(s => s.At > now - period).ToList();
            var added = inPeriod.Where(s => s.To > s.From).Sum(s => s.To - s.From);
            var removed = inPeriod.Where(s => s.To < s.From).Sum(s => s.From - s.To);
            var start = Math.Max(0, current - added + removed);
            var proposed = up ? start + step.Of(start) : Math.Max(0, start - step.Of(start));
            limit = limit is not { } known ? proposed : (up == mostChange ? Math.Max(known, proposed) : Math.Min(known, proposed));
        }

        var bound = up ? Math.Max(limit ?? desired, current) : Math.Min(limit ?? desired, current);
        if (up ? desired <= bound : desired >= bound)
        {
            return desired;
        }

        why = $"rate limit: {Describe(rules, up)}";
        return bound;
    }

    private static string Describe(ScalingLimits rules, bool up) =>
        string.Join(rules.Select == LimitSelect.Min ? " and " : " or ",
            rules.For(up ? Direction.Up : Direction.Down).Select(l => $"{(up ? "+" : "-")}{l.Step} per {l.Period}"));
}
