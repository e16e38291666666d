using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// Hands registry changes to the engine; returns (and so acknowledges) only once they are saved. Messages
/// come from the bus, where any holder of broker credentials can publish: they are checked here as
/// Registration checks requests, and one that can never be applied goes to the error queue.
/// </summary>
public sealed class RegistryChangeConsumer(DiscoveryEngine engine, ILogger<RegistryChangeConsumer> logger)
    : IConsumer<InstanceRegistered>, IConsumer<InstanceDeregistered>
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public Task Consume(ConsumeContext<InstanceRegistered> context)
    {
        RegistryChangeRules.Check(context.Message);
        return SubmitUntilSavedAsync(context.Message, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<InstanceDeregistered> context)
    {
        RegistryChangeRules.Check(context.Message);
        return SubmitUntilSavedAsync(context.Message, context.CancellationToken);
    }

    /// <summary>
    /// A full or read-only disk is not the message's fault: bounded retries would move an accepted
    /// registration to the error queue. It is tried again, backing off, for as long as it takes; the message
    /// stays unacknowledged meanwhile, so nothing is lost if the process stops.
    /// </summary>
    private async Task SubmitUntilSavedAsync(object change, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await engine.SubmitAsync(change, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Registry not saved ({Reason}); trying again in {Delay}", ex.Message, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }
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
