using MassTransit;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Puts messages on the bus (as mandatory, unless told otherwise) and says whether the broker confirmed and routed every one within the
/// timeout. A caller acknowledges its own client (a 2xx, a consumed message) only on <c>true</c>: what could not
/// be confirmed is reported as not accepted, so its sender tries again and nothing acknowledged is lost.
/// </summary>
/// <param name="endpoint">The bus, or inside a consumer its context (so what is published carries the conversation).</param>
/// <param name="latency">The owner's histogram of the time from publish to the last confirm; none when it keeps none.</param>
/// <param name="mandatory">
/// False only for announcements that need no reader (a file written): confirmed, but not returned when no queue is
/// bound, which for them is normal and not worth a warning each time.
/// </param>
public sealed class ConfirmedPublisher(
    IPublishEndpoint endpoint, IBusControl bus, TimeSpan timeout, Histogram? latency, ILogger<ConfirmedPublisher> logger, bool mandatory = true)
{
    /// <summary>The buckets every publish latency histogram has: 0.5 ms to 16 s.</summary>
    public static Histogram LatencyHistogram(string name, string help) =>
        Metrics.CreateHistogram(name, help, new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public async Task<bool> TryPublishAsync(IReadOnlyCollection<object> messages, CancellationToken cancellationToken)
    {
        using (latency?.NewTimer())
        {
            return await TryPublishAllAsync(messages, cancellationToken);
        }
    }

    /// <summary>
    /// Every message at once, as mandatory, then all the confirms. A bus known to be down answers false at once
    /// instead of holding the caller for the whole timeout.
    /// </summary>
    private async Task<bool> TryPublishAllAsync(IReadOnlyCollection<object> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return true;
        }

        if (bus.CheckHealth().Status == BusHealthStatus.Unhealthy)
        {
            return false;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            // Concurrently: the confirms of a 1,000-alert payload arrive together, not one round trip each.
            await Task.WhenAll(messages.Select(m => mandatory ? endpoint.PublishMandatory(m, bounded.Token) : endpoint.Publish(m, bounded.Token)));
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException or RabbitMqConnectionException
                                       or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{MessageType} not confirmed by the broker within {Timeout}: {Reason}",
                messages.First().GetType().Name, timeout, ex.Message);
            return false;
        }
    }
}
