using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter;

/// <summary>Hands registry changes to the engine; returns (and so acknowledges) only once they are saved.</summary>
public sealed class RegistryChangeConsumer(DiscoveryEngine engine) : IConsumer<InstanceRegistered>, IConsumer<InstanceDeregistered>
{
    public Task Consume(ConsumeContext<InstanceRegistered> context) => engine.SubmitAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<InstanceDeregistered> context) => engine.SubmitAsync(context.Message, context.CancellationToken);
}

/// <summary>
/// Each replica keeps the whole registry, so each has its own durable queue (a fan-out, not competing
/// consumers). Many messages are in flight at once because they all wait for the same batched write.
/// </summary>
public sealed class RegistryChangeConsumerDefinition : ConsumerDefinition<RegistryChangeConsumer>
{
    private readonly DiscoveryOptions _options;

    public RegistryChangeConsumerDefinition(IOptions<DiscoveryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        EndpointName = $"discovery-writer-{_options.InstanceName}";
        ConcurrentMessageLimit = _options.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RegistryChangeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = _options.ConcurrentMessageLimit * 2;
            // The queue of a replica that is gone for good does not fill up forever.
            rabbit.QueueExpiration = TimeSpan.FromDays(1);
        }
    }
}

/// <summary>Answers <see cref="ListInstances"/> for Registration's <c>GET /v1/instances</c>; any replica may answer.</summary>
public sealed class ListInstancesConsumer(DiscoveryEngine engine) : IConsumer<ListInstances>
{
    public async Task Consume(ConsumeContext<ListInstances> context) =>
        await context.RespondAsync(new InstanceList(
            await engine.ListAsync(context.Message.Service, context.Message.Job, context.CancellationToken)));
}

public sealed class ListInstancesConsumerDefinition : ConsumerDefinition<ListInstancesConsumer>
{
    public ListInstancesConsumerDefinition() => EndpointName = "discovery-writer-queries";
}
