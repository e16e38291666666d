using MassTransit;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A broker confirm alone means "received", not "routed": a message bound to no queue is confirmed and
/// dropped. Published as mandatory, such a message is returned instead and the publish fails, so a
/// service that acknowledges its caller only after a successful publish (<see cref="ConfirmedPublisher"/>)
/// never acknowledges a message nobody will read.
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
}
