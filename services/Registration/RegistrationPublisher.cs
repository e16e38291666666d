using MassTransit;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// Puts registrations on the bus and says whether the broker confirmed them. A caller answers 202 only on
/// <c>true</c>: what could not be confirmed within the timeout is reported as not accepted, so the
/// container's retry loop sends it again and nothing answered 202 is lost.
/// </summary>
public sealed class RegistrationPublisher(
    IPublishEndpoint publish,
    IBusControl bus,
    IOptions<RegistrationOptions> options,
    ILogger<RegistrationPublisher> logger)
{
    private static readonly Counter Outcomes = Metrics.CreateCounter(
        "pretixops_registrations_total", "Registration requests by path and result.", "path", "result");

    private static readonly Histogram PublishSeconds = Metrics.CreateHistogram(
        "pretixops_registration_publish_seconds", "Time from publish to the broker's confirm.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static void Count(string path, string result) => Outcomes.WithLabels(path, result).Inc();

    public async Task<bool> TryPublishAsync<T>(T message, string path, CancellationToken cancellationToken)
        where T : class
    {
        bool confirmed;
        using (PublishSeconds.NewTimer())
        {
            confirmed = await publish.TryPublishConfirmedAsync(bus, [message], options.Value.PublishTimeout, logger, cancellationToken);
        }

        Count(path, confirmed ? "accepted" : "unavailable");
        return confirmed;
    }
}
