using MassTransit;

namespace PretixOps.Registration;

public sealed class RegisterInstanceConsumerDefinition : ConsumerDefinition<RegisterInstanceConsumer>
{
    public const string Queue = "instance-registrations";

    public RegisterInstanceConsumerDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RegisterInstanceConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        ArgumentNullException.ThrowIfNull(consumerConfigurator);
        // Plain JSON of RegisterInstance's shape, with or without MassTransit's envelope or type headers.
        endpointConfigurator.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);

        // A broker that did not confirm (blocked by an alarm, a node going away) is not the registration's fault:
        // bounded retries would move it to the error queue for someone to replay. It is tried again, backing off,
        // for as long as it takes, unacknowledged meanwhile. Anything else gets the bus's default (MessageRetry).
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<RegistrationNotConfirmedException>();
            // From the bus default's first interval, so a short blip costs what it did; backing off to 30 s.
            retry.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        });
    }
}
