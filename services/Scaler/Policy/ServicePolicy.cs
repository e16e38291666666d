namespace PretixOps.Scaler.Policy;

/// <summary>
/// How one service is scaled: its bounds, the alert steps and their clocks, the metric targets with their rate
/// limits and fail-safe, and the schedule windows. Every field has a default, so the first version's policy
/// files (bounds, steps, cooldowns, window) mean what they meant.
/// </summary>
public sealed class ServicePolicy
{
    /// <summary>The longest clock a policy may set: history is kept this long.</summary>
    public static readonly TimeSpan LongestClock = TimeSpan.FromDays(1);

    public int Min { get; set; } = 1;
    public int Max { get; set; } = 1;

    /// <summary>Replicas added per alert step: a number ("1") or a percentage of the current count, rounded up ("50%").</summary>
    public string StepUp { get; set; } = "1";

    public string StepDown { get; set; } = "1";

    /// <summary>After a step up (by any signal or an operator), the next alert step up waits this long.</summary>
    public TimeSpan CooldownUp { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>After a step down, the next alert step down waits this long.</summary>
    public TimeSpan CooldownDown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Scale down only once no reason to scale up has been in force for this long: since the last up alert ended
    /// (or the last step up), and as the highest metric recommendation over this window (Kubernetes HPA's).
    /// </summary>
    public TimeSpan StabilizationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A firing alert that is not repeated for this long stops counting, as if resolved then: Alertmanager repeats
    /// firing alerts every <c>repeat_interval</c>, so this must be longer than that (the stack's is 1 h).
    /// </summary>
    public TimeSpan AlertStaleAfter { get; set; } = TimeSpan.FromHours(3);

    /// <summary>Target tracking (HPA's): one or more PromQL queries, each with a target.</summary>
    public List<MetricTarget> Metrics { get; set; } = [];

    /// <summary>Within this fraction of the target no change is made (HPA's default, 10 %).</summary>
    public double Tolerance { get; set; } = 0.1;

    /// <summary>How fast automatic changes may go up. Default, as HPA's: the larger of +100 % and +4 per 15 s.</summary>
    public ScalingLimits ScaleUp { get; set; } = new();

    /// <summary>How fast automatic changes may go down. Default, as HPA's: -100 % per 15 s.</summary>
    public ScalingLimits ScaleDown { get; set; } = new();

    /// <summary>Consecutive failed readings of a metric after which <see cref="FallbackReplicas"/> applies.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>
    /// While a metric's source has failed <see cref="FailureThreshold"/> times in a row, the service is raised to at
    /// least this many replicas (never lowered: a failing source never scales down). Unset: it holds.
    /// </summary>
    public int? FallbackReplicas { get; set; }

    /// <summary>Windows that raise <see cref="Min"/> or lower <see cref="Max"/> while they are active.</summary>
    public List<ScheduleWindow> Schedules { get; set; } = [];

    /// <summary>Where a service starts when no runtime control was ever recorded for it: paused (frozen at its count).</summary>
    public bool Paused { get; set; }

    /// <summary>Where a service starts when no runtime control was ever recorded for it: dry run (decide and record, never touch Docker).</summary>
    public bool DryRun { get; set; }

    /// <summary>Every problem, with the field below the service that it is about ("" for the service as a whole).</summary>
    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (Min < 0)
        {
            yield return (nameof(Min), "must not be negative.");
        }

        if (Max < Min || Max > 1000)
        {
            yield return (nameof(Max), "must be at least Min and at most 1000.");
        }

        foreach (var (name, step) in new[] { (nameof(StepUp), StepUp), (nameof(StepDown), StepDown) })
        {
            if (!ScaleStep.TryParse(step, out _))
            {
                yield return (name, $"'{step}' must be a whole number of replicas (1 to 1000) or a percentage (1% to 10000%).");
            }
        }

        foreach (var (name, clock) in new[]
                 {
                     (nameof(CooldownUp), CooldownUp), (nameof(CooldownDown), CooldownDown),
                     (nameof(StabilizationWindow), StabilizationWindow),
                 })
        {
            if (clock < TimeSpan.Zero || clock > LongestClock)
            {
                yield return (name, "must be between 00:00:00 and 1.00:00:00.");
            }
        }

        if (AlertStaleAfter < TimeSpan.FromSeconds(1) || AlertStaleAfter > TimeSpan.FromDays(7))
        {
            yield return (nameof(AlertStaleAfter), "must be between 00:00:01 and 7.00:00:00.");
        }

        if (Tolerance is < 0 or >= 1 || double.IsNaN(Tolerance))
        {
            yield return (nameof(Tolerance), "must be at least 0 and below 1 (0.1 is 10 %).");
        }

        if (FailureThreshold is < 1 or > 1000)
        {
            yield return (nameof(FailureThreshold), "must be between 1 and 1000.");
        }

        if (FallbackReplicas is { } fallback && (fallback < Min || fallback > Max))
        {
            yield return (nameof(FallbackReplicas), "must lie within Min and Max.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Metrics.Count; i++)
        {
            if (Metrics[i].Name is { } name && !names.Add(name))
            {
                yield return ($"Metrics:{i}:Name", $"'{name}' is used twice; metric names must be unique per service.");
            }

            foreach (var (field, problem) in Metrics[i].Problems())
            {
                yield return ($"Metrics:{i}:{field}", problem);
            }
        }

        foreach (var (field, problem) in ScaleUp.Problems().Select(p => ($"ScaleUp:{p.Field}", p.Problem))
                     .Concat(ScaleDown.Problems().Select(p => ($"ScaleDown:{p.Field}", p.Problem))))
        {
            yield return (field, problem);
        }

        for (var i = 0; i < Schedules.Count; i++)
        {
            foreach (var (field, problem) in Schedules[i].Problems(Min, Max))
            {
                yield return ($"Schedules:{i}{(field.Length > 0 ? ":" + field : "")}", problem);
            }
        }
    }
}
