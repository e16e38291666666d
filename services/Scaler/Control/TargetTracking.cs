using System.Globalization;
using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// The metric targets' say, as Kubernetes' HPA computes it (replica_calculator.go, horizontal.go): per metric,
/// ceil(current × value / target) outside the tolerance band; the largest across metrics; scale-down stabilized to
/// the highest recommendation over the window. A failing source (error, timeout, no series, NaN) is never read as a
/// zero: it forbids scaling down, and after <c>FailureThreshold</c> failures raises the service to
/// <c>FallbackReplicas</c> when that is set (KEDA's fallback, as a floor).
/// </summary>
internal static class TargetTracking
{
    public sealed record Result(Proposal? Proposal, IReadOnlyList<MetricInput> Inputs, int? Raw, DateTimeOffset? StabilizationEnd);

    public static Result Evaluate(ServicePolicy policy, ServiceSignals signals, ServiceHistory history, int current, DateTimeOffset now)
    {
        if (policy.Metrics.Count == 0)
        {
            return new Result(null, [], null, null);
        }

        var inputs = new List<MetricInput>();
        var healthy = new List<(MetricTarget Target, double Value, int Replicas)>();
        var failing = new List<(MetricTarget Target, MetricReading Reading)>();
        var unread = false;
        foreach (var target in policy.Metrics)
        {
            var reading = Fresh(signals.Metrics.FirstOrDefault(r => r.Name == target.Name), target, now);
            if (reading is { Healthy: true, Value: { } value })
            {
                var replicas = Recommend(target, value, current, policy.Tolerance);
                healthy.Add((target, value, replicas));
                inputs.Add(new MetricInput(target.Name!, value, target.TargetValue, target.PerReplica, replicas, null));
            }
            else
            {
                unread |= reading is not { Failing: true };
                if (reading is { Failing: true })
                {
                    failing.Add((target, reading));
                }

                inputs.Add(new MetricInput(target.Name!, null, target.TargetValue, target.PerReplica, null,
                    reading?.Error ?? "no reading yet"));
            }
        }

        int? raw = healthy.Count > 0 ? healthy.Max(h => h.Replicas) : null;
        var (stabilized, stabilizedUntil) = Stabilize(policy, history.Recommendations, raw, current, now);
        var holdsDown = failing.Count > 0 || unread;

        var fallback = policy.FallbackReplicas is { } floor
            ? failing.FirstOrDefault(f => f.Reading.ConsecutiveFailures >= policy.FailureThreshold)
            : default;
        var held = failing.Count > 0
            ? new Refusal(ScaleOutcome.Held, $"held:{failing[0].Target.Name}",
                $"metric {failing[0].Target.Name}: its source fails ({failing[0].Reading.Error}, {failing[0].Reading.ConsecutiveFailures} in a row): no scale-down on it"
                + (policy.FallbackReplicas is { } f ? $"; at {policy.FailureThreshold} failures at least {f} replicas (fallback)" : "; holding"),
                $"metric:{failing[0].Target.Name}")
            : null;

        Proposal? proposal;
        if (fallback.Target is not null && policy.FallbackReplicas > Math.Max(stabilized ?? current, current))
        {
            proposal = new Proposal(policy.FallbackReplicas.Value, HoldsDown: true, "fallback",
                $"fallback: metric {fallback.Target.Name} failed {fallback.Reading.ConsecutiveFailures} times in a row ({fallback.Reading.Error}): at least {policy.FallbackReplicas} replicas",
                $"metric:{fallback.Target.Name}");
        }
        else if (stabilized is { } wanted && raw is not null)
        {
            var top = healthy.MaxBy(h => h.Replicas);
            var why = $"metric {top.Target.Name}: {Describe(top.Value)} against {(top.Target.PerReplica ? "a target per replica of" : "a target of")} {Describe(top.Target.TargetValue)} asks for {top.Replicas}";
            var note = wanted > raw && raw < current
                ? new Refusal(ScaleOutcome.Cooldown, "stabilization-metric",
                    $"stabilization: the metrics ask for {raw}, but the highest recommendation over the last {policy.StabilizationWindow} is {wanted}; scaling down waits until {stabilizedUntil:O}",
                    $"metric:{top.Target.Name}")
                : null;
            proposal = wanted < current && !holdsDown
                ? new Proposal(wanted, HoldsDown: false, "metric-down",
                    wanted == raw ? why : $"{why}; the highest recommendation over the last {policy.StabilizationWindow} is {wanted}", $"metric:{top.Target.Name}")
                : new Proposal(Math.Max(wanted, current), HoldsDown: holdsDown || wanted >= current, wanted > current ? "metric-up" : "metric", why,
                    $"metric:{top.Target.Name}", held ?? note);
        }
        else
        {
            // Nothing read yet, or every source fails: hold where the service is.
            proposal = new Proposal(current, HoldsDown: true, "metric", "", "metric", held);
        }

        return new Result(proposal, inputs, raw, stabilizedUntil);
    }

    /// <summary>
    /// A reading not renewed for three intervals is a failing source, not a value still in force: whatever stopped the
    /// readings, the count must not follow an old number (each missed interval counts as a failure).
    /// </summary>
    private static MetricReading? Fresh(MetricReading? reading, MetricTarget target, DateTimeOffset now)
    {
        if (reading is not { At: { } at } || now - at <= target.Interval * 3)
        {
            return reading;
        }

        var missed = (int)Math.Min(int.MaxValue, (now - at) / target.Interval);
        return reading with { Value = null, ConsecutiveFailures = Math.Max(reading.ConsecutiveFailures, missed), Error = $"stale: last read at {at:O}" };
    }

    /// <summary>
    /// HPA's arithmetic for one metric. A total against a per-replica target asks for ceil(value / target); a level
    /// against a service target for ceil(current × value / target). Within the tolerance band of the target the
    /// current count stands.
    /// </summary>
    public static int Recommend(MetricTarget target, double value, int current, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(target);
        var goal = target.TargetValue;
        double ratio;
        double wanted;
        if (target.PerReplica)
        {
            ratio = current == 0 ? (value > 0 ? double.PositiveInfinity : 1) : value / (goal * current);
            wanted = value / goal;
        }
        else
        {
            ratio = value / goal;
            // From zero replicas a level above its target asks for one: ceil(0 × ratio) could never start anything.
            wanted = current == 0 ? (ratio > 1 + tolerance ? 1 : 0) : current * ratio;
        }

        if (Math.Abs(ratio - 1) <= tolerance)
        {
            return current;
        }

        return (int)Math.Clamp(Math.Ceiling(wanted - 1e-9), 0, 1_000_000);
    }

    /// <summary>
    /// HPA's scale-down stabilization: above the current count the recommendation applies at once; below it, the
    /// highest recommendation in force during the last window does, so one low reading never removes replicas. Also
    /// returns when the window lets go (the highest recommendation at or above the current count leaves it).
    /// </summary>
    private static (int? Replicas, DateTimeOffset? Until) Stabilize(
        ServicePolicy policy, IReadOnlyList<Recommendation> history, int? raw, int current, DateTimeOffset now)
    {
        if (raw is not { } recommendation)
        {
            return (null, null);
        }

        if (recommendation >= current)
        {
            return (recommendation, null);
        }

        var start = now - policy.StabilizationWindow;
        var ordered = history.OrderBy(r => r.At).ToList();
        // Each recommendation holds from its time until the next one: the one in force at the window's start counts too.
        var highest = recommendation;
        DateTimeOffset? until = null;
        for (var i = 0; i < ordered.Count; i++)
        {
            var end = i + 1 < ordered.Count ? ordered[i + 1].At : now;
            if (end <= start || ordered[i].At > now)
            {
                continue;
            }

            highest = Math.Max(highest, ordered[i].Replicas);
            if (ordered[i].Replicas >= current)
            {
                until = end + policy.StabilizationWindow;
            }
        }

        return (Math.Min(current, highest), highest >= current ? until : null);
    }

    private static string Describe(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
