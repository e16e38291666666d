namespace PretixOps.Contracts;

/// <param name="ConsecutiveFailures">Failed readings in a row: a failing source holds scale-downs, it is never read as zero.</param>
public sealed record MetricStatus(
    string Name, string Query, double Target, bool PerReplica, double? Value, int? Recommendation, DateTimeOffset? At,
    int ConsecutiveFailures, string? Error, bool SourceHealthy);
