using MassTransit;
using Microsoft.Extensions.Logging;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A broker confirm alone means "received", not "routed": a message bound to no queue is confirmed and
/// dropped. Published as mandatory, such a message is returned instead and the publish fails, so a
/// service that acknowledges its caller only after a successful publish never acknowledges a message
/// nobody will read.
/// </summary>
public static class Mandatory
{
    public static Task PublishMandatory(this IPublishEndpoint endpoint, object message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(message);
        return endpoint.Publish(message, message.GetType(), Pipe.Execute<PublishContext>(context =>
        {
            if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
            {
                rabbit.Mandatory = true;
            }
        }), cancellationToken);
    }

    /// <summary>
    /// Publishes every message at once, as mandatory, and waits for all the broker's confirms: true only when
    /// each one was confirmed and routed within <paramref name="timeout"/>. A bus known to be down answers
    /// false at once instead of holding the caller for the whole timeout. A caller acknowledges its own
    /// client (2xx) only on true.
    /// </summary>
    public static async Task<bool> TryPublishConfirmedAsync(
        this IPublishEndpoint endpoint, IBusControl bus, IReadOnlyCollection<object> messages, TimeSpan timeout,
        ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(logger);
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
            await Task.WhenAll(messages.Select(m => endpoint.PublishMandatory(m, bounded.Token)));
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException or RabbitMqConnectionException
                                       or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Not confirmed by the broker, answering 503: {Reason}", ex.Message);
            return false;
        }
    }
}
