using MassTransit;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// The seam on the bus: every service's <see cref="ConfirmedPublisher"/>, waiting 5 s. Not mandatory: these are
/// announcements, and <see cref="PretixOps.Contracts.TargetsWritten"/> has no reader in this project (an expiry's
/// readers are the replicas' own queues); a return for each would only be a warning for each.
/// </summary>
public sealed class BusEventPublisher(IBusControl bus, ILogger<ConfirmedPublisher> logger) : IEventPublisher
{
    private readonly ConfirmedPublisher _publisher = new(bus, bus, TimeSpan.FromSeconds(5), latency: null, logger, mandatory: false);

    public bool BusReady => bus.CheckHealth().Status == BusHealthStatus.Healthy;

    public Task<bool> TryPublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class => _publisher.TryPublishAsync([message], cancellationToken);
}
