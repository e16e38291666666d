namespace PretixOps.Scaler.Readings;

/// <summary>The seam to the metric source: one PromQL instant query, answering one number or failing with a reason.</summary>
public interface IMetricSource
{
    /// <exception cref="MetricQueryException">The query failed, timed out, or did not answer exactly one number.</exception>
    Task<double> QueryAsync(string query, CancellationToken cancellationToken);
}

/// <summary>A failed reading, with a short reason (for metrics: http, timeout, error, no_series, many_series, not_a_number).</summary>
public sealed class MetricQueryException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
