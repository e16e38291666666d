using MassTransit;

namespace PretixOps.DiscoveryWriter;

/// <summary>The seam to the bus for events the engine announces on its own (expiries, files written).</summary>
public interface IEventPublisher
{
    /// <summary>Publishes with the broker's confirm; false when the broker did not confirm in time.</summary>
    Task<bool> TryPublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class;

    /// <summary>Whether the bus is connected, so that an empty queue means nothing is waiting.</summary>
    bool BusReady { get; }
}

public sealed class BusEventPublisher(IBusControl bus, ILogger<BusEventPublisher> logger) : IEventPublisher
{
    public bool BusReady => bus.CheckHealth().Status == BusHealthStatus.Healthy;

    public async Task<bool> TryPublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await bus.Publish(message, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not publish {MessageType}: {Reason}", typeof(T).Name, ex.Message);
            return false;
        }
    }
}
