namespace PretixOps.Scaler.Control;

/// <summary>
/// The last reading of one metric target. A reading that failed (error, timeout, no series, NaN) has no value and
/// counts <paramref name="ConsecutiveFailures"/>; one never taken has neither.
/// </summary>
public sealed record MetricReading(string Name, double? Value, DateTimeOffset? At, int ConsecutiveFailures, string? Error)
{
    public bool Healthy => Value is not null && ConsecutiveFailures == 0;

    public bool Failing => ConsecutiveFailures > 0;
}
