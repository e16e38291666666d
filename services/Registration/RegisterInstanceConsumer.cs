using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// Registrations sent over AMQP as plain JSON (any client, or <c>rabbitmqadmin publish</c>) to the
/// <c>instance-registrations</c> queue: validated exactly as over HTTP. A valid one becomes
/// <see cref="InstanceRegistered"/>; an invalid one fails without retries and lands in
/// <c>instance-registrations_error</c>, its reason in the fault headers.
/// </summary>
public sealed class RegisterInstanceConsumer(IOptions<RegistrationOptions> options) : IConsumer<RegisterInstance>
{
    public async Task Consume(ConsumeContext<RegisterInstance> context)
    {
        // No caller address over AMQP: the body must name it.
        var result = RegistrationRules.Validate(context.Message, caller: null, options.Value.DefaultTtlSeconds);
        if (!result.IsValid)
        {
            RegistrationPublisher.Count("amqp", "rejected");
            throw new InvalidRegistrationException(result.Errors);
        }

        await context.Publish(result.Registration!);
        RegistrationPublisher.Count("amqp", "accepted");
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
        // Plain JSON of RegisterInstance's shape, with or without MassTransit's envelope or type headers.
        endpointConfigurator.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
    }
}

public sealed class InvalidRegistrationException(IReadOnlyDictionary<string, string[]> errors)
    : PermanentMessageException("Invalid registration: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(" ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
