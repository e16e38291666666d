using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// Announces the entries that expired (<see cref="InstanceDeregistered"/>, reason Expired), in order, each once the
/// broker confirms it. Only the writer announces, so two replicas do not announce each expiry twice.
/// </summary>
public sealed class ExpiryAnnouncer(WriterLease lease, IEventPublisher events)
{
    private readonly List<InstanceDeregistered> _unannounced = [];

    /// <summary>Entries whose expiry is saved.</summary>
    public void Expired(IEnumerable<RegisteredInstance> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _unannounced.AddRange(entries.Select(e => new InstanceDeregistered(
            e.Registration.InstanceId, e.Registration.Service, DeregistrationReason.Expired, e.ExpiresAt!.Value)));
    }

    /// <summary>Announces what it can; what the broker did not confirm waits for the next batch.</summary>
    public async Task AnnounceAsync(CancellationToken stoppingToken)
    {
        if (!lease.IsHeld)
        {
            _unannounced.Clear();
            return;
        }

        while (_unannounced.Count > 0 && await events.TryPublishAsync(_unannounced[0], stoppingToken))
        {
            _unannounced.RemoveAt(0);
        }
    }
}
