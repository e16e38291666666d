namespace PretixOps.ServiceDefaults;

/// <summary>
/// Metrics a service renders itself, appended to <c>/metrics</c> after prometheus-net's. SnmpPoller's host
/// metrics are one block per poll, replaced whole; keeping them out of the registry keeps a host's series
/// exactly as its last poll left them.
/// </summary>
public interface IMetricsSource
{
    Task WriteAsync(Stream output, CancellationToken cancellationToken);
}
