using MassTransit;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// Registrations sent over AMQP as plain JSON (any client, or <c>rabbitmqadmin publish</c>) to the
/// <c>instance-registrations</c> queue: taken in exactly as over HTTP. A valid one becomes
/// <see cref="InstanceRegistered"/>, acknowledged only once the broker confirmed it; an invalid one fails without
/// retries and lands in <c>instance-registrations_error</c>, its reason in the fault headers.
/// </summary>
public sealed class RegisterInstanceConsumer(RegistrationIntake intake) : IConsumer<RegisterInstance>
{
    public async Task Consume(ConsumeContext<RegisterInstance> context)
    {
        // No caller address over AMQP: the body must name it.
        var outcome = await intake.AcceptAsync(context.Message, caller: null, "amqp", context.CancellationToken);
        switch (outcome.Result)
        {
            case RegistrationIntake.Result.Rejected:
                throw new InvalidRegistrationException(outcome.Errors);
            case RegistrationIntake.Result.Unavailable:
                // Not the message's fault: retried, and unacknowledged meanwhile, so it is not lost.
                throw new RegistrationNotConfirmedException(outcome.Registration!.InstanceId);
        }
    }
}

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
            retry.Exponential(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        });
    }
}

public sealed class InvalidRegistrationException(IReadOnlyDictionary<string, string[]> errors)
    : InvalidMessageException("registration", errors);

public sealed class RegistrationNotConfirmedException(string instanceId)
    : Exception($"The broker did not confirm the registration of {instanceId}; it is tried again.");
