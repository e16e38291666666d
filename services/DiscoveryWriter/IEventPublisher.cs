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
