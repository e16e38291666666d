using MassTransit;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

/// <summary>
/// Publishes every event of a payload at once and waits for all the broker's confirms: true only when
/// each one is on the bus. A caller answers 2xx only then; otherwise 503, and the sender retries.
/// </summary>
public sealed class AlertPublisher(
    IPublishEndpoint publish,
    IBusControl bus,
    IOptions<AlertIngestOptions> options,
    ILogger<AlertPublisher> logger)
{
    private static readonly Histogram PublishSeconds = Metrics.CreateHistogram(
        "pretixops_alert_publish_seconds", "Time from publishing a payload's events to the last broker confirm.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public async Task<bool> TryPublishAllAsync(IReadOnlyList<object> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return true;
        }

        if (bus.CheckHealth().Status == BusHealthStatus.Unhealthy)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            using (PublishSeconds.NewTimer())
            {
                // Concurrently: the confirms of a 1,000-alert payload arrive together, not one round trip each.
                await Task.WhenAll(events.Select(e => publish.PublishMandatory(e, timeout.Token)));
            }

            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException or RabbitMqConnectionException
                                       or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Alerts not confirmed by the broker, answering 503: {Reason}", ex.Message);
            return false;
        }
    }
}
