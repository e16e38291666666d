namespace PretixOps.Scaler.Policy;

/// <summary>
/// Rate limits for one direction, as HPA's <c>behavior.scaleUp</c> / <c>scaleDown</c> policies: each allows a step
/// (replicas or a percentage) per period, counted from the replica count at the period's start.
/// </summary>
public sealed class ScalingLimits
{
    private static readonly TimeSpan HpaPeriod = TimeSpan.FromSeconds(15);

    /// <summary>Empty: HPA's defaults (up: +100 % or +4 per 15 s, the larger; down: -100 % per 15 s).</summary>
    public List<RateLimit> Limits { get; set; } = [];

    public LimitSelect Select { get; set; } = LimitSelect.Max;

    /// <summary>The limits in force for a direction: the configured ones, or HPA's defaults.</summary>
    public IReadOnlyList<(ScaleStep Step, TimeSpan Period)> For(Direction direction) =>
        Limits.Count > 0
            ? [.. Limits.Select(l => (ScaleStep.Parse(l.Step), l.Period))]
            : direction == Direction.Up
                ? [(new ScaleStep(100, Percent: true), HpaPeriod), (new ScaleStep(4, Percent: false), HpaPeriod)]
                : [(new ScaleStep(100, Percent: true), HpaPeriod)];

    public IEnumerable<(string Field, string Problem)> Problems()
    {
        for (var i = 0; i < Limits.Count; i++)
        {
            if (!ScaleStep.TryParse(Limits[i].Step, out _))
            {
                yield return ($"Limits:{i}:Step", $"'{Limits[i].Step}' must be a number of replicas (\"4\") or a percentage (\"100%\").");
            }

            if (Limits[i].Period <= TimeSpan.Zero || Limits[i].Period > ServicePolicy.LongestClock)
            {
                yield return ($"Limits:{i}:Period", "must be above 00:00:00 and at most 1.00:00:00.");
            }
        }
    }
}
