using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Policy;

/// <summary>
/// One PromQL query with a target, HPA's target tracking: desired = ceil(current × value / target). The query must
/// answer one number (a scalar, or an instant vector of one series: aggregate with <c>sum</c>, <c>max</c>, …).
/// </summary>
public sealed class MetricTarget
{
    public string? Name { get; set; }

    public string? Query { get; set; }

    /// <summary>A level for the service as a whole (a latency, a utilisation): desired = ceil(current × value / Target).</summary>
    public double? Target { get; set; }

    /// <summary>What one replica should carry; the query answers the service's total: desired = ceil(value / TargetPerReplica).</summary>
    public double? TargetPerReplica { get; set; }

    /// <summary>How often the query is evaluated.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    public bool PerReplica => TargetPerReplica is not null;

    public double TargetValue => TargetPerReplica ?? Target ?? double.NaN;

    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "is required and " + Names.Rule);
        }

        if (string.IsNullOrWhiteSpace(Query))
        {
            yield return (nameof(Query), "is required: a PromQL expression that answers one number.");
        }
        else if (Query.Length > 4096)
        {
            yield return (nameof(Query), "must be at most 4096 characters.");
        }

        if ((Target is null) == (TargetPerReplica is null))
        {
            yield return (nameof(Target), "set exactly one of Target (for the whole service) and TargetPerReplica.");
        }
        else if (!double.IsFinite(TargetValue) || TargetValue <= 0)
        {
            yield return (Target is null ? nameof(TargetPerReplica) : nameof(Target), "must be a number above 0.");
        }

        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromMinutes(10))
        {
            yield return (nameof(Interval), "must be between 00:00:01 and 00:10:00.");
        }
    }
}
