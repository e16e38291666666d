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
        using (PublishSeconds.NewTimer())
        {
            return await publish.TryPublishConfirmedAsync(bus, events, options.Value.PublishTimeout, logger, cancellationToken);
        }
    }
}
