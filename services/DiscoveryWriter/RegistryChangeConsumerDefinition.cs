using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// Each replica keeps the whole registry, so each has its own durable queue (a fan-out, not competing
/// consumers). Many messages are in flight at once because they all wait for the same batched write.
/// </summary>
public sealed class RegistryChangeConsumerDefinition : ConsumerDefinition<RegistryChangeConsumer>
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private readonly DiscoveryOptions _options;

    public RegistryChangeConsumerDefinition(IOptions<DiscoveryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        EndpointName = FanOutEndpoint.Name("discovery-writer", _options.InstanceName);
        ConcurrentMessageLimit = _options.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RegistryChangeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.ExpireWhenUnused();
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = _options.ConcurrentMessageLimit * 2;
        }

        // A full or read-only disk is not the message's fault: bounded retries would move an accepted registration
        // to the error queue. It is tried again, backing off, for as long as it takes; the message stays
        // unacknowledged meanwhile, so nothing is lost if the process stops. Any other failure gets the bus's
        // default (MessageRetry): this policy does not handle it, so the default does, and the two do not multiply.
        var longest = _options.SaveRetryMaxInterval;
        var first = longest < FirstRetry ? longest : FirstRetry;
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle(typeof(IOException), typeof(UnauthorizedAccessException));
            // Exponential computes its intervals only up to the longest, so a limit this large costs nothing.
            retry.Exponential(int.MaxValue, first, longest, first);
        });
    }
}
