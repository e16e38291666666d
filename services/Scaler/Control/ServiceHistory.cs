namespace PretixOps.Scaler.Control;

/// <summary>
/// What happened to a service lately, as the journal recorded it: the replica changes applied (for cooldowns and
/// rate limits) and the metric recommendations (for the scale-down stabilization window).
/// </summary>
public sealed record ServiceHistory(IReadOnlyList<ScaleEvent> Scales, IReadOnlyList<Recommendation> Recommendations)
{
    public static readonly ServiceHistory Empty = new([], []);

    public DateTimeOffset? LastStep(bool up) =>
        Scales.Where(s => up ? s.To > s.From : s.To < s.From).Select(s => (DateTimeOffset?)s.At).Max();
}
