using MassTransit;
using PretixOps.Contracts;

namespace PretixOps.Scaler.Intake;

/// <summary>
/// One queue, <see cref="QueueNames.Scaler"/>, with one active consumer at a time across all Scaler replicas (RabbitMQ's single active
/// consumer): the standby takes over the queue when the active one goes. Every replica reads the same journal, so
/// which one takes a signal in does not matter.
/// </summary>
public sealed class SignalConsumerDefinition : ConsumerDefinition<SignalConsumer>
{
    public SignalConsumerDefinition() => EndpointName = QueueNames.Scaler;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SignalConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SingleActiveConsumer = true;
        }
    }
}
