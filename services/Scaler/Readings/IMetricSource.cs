namespace PretixOps.Scaler.Readings;

/// <summary>The seam to the metric source: one PromQL instant query, answering one number or failing with a reason.</summary>
public interface IMetricSource
{
    /// <exception cref="MetricQueryException">The query failed, timed out, or did not answer exactly one number.</exception>
    Task<double> QueryAsync(string query, CancellationToken cancellationToken);
}
