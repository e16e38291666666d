namespace PretixOps.Scaler.Readings;

/// <summary>A failed reading, with a short reason (for metrics: http, timeout, error, no_series, many_series, not_a_number).</summary>
public sealed class MetricQueryException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
