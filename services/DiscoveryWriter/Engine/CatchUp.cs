using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// Whether this replica has caught up with its queue since it started. After a restart the queue holds the
/// renewals that arrived meanwhile: expire nothing until they are applied, or live entries would be removed and
/// re-added, emptying and refilling the files. Caught up, with the bus up, is either of:
/// <list type="bullet">
/// <item>two ticks in a row with nothing to apply (one could fall between the bus connecting and its first delivery);</item>
/// <item>the batch after one that held a change made since this replica started: the queue is FIFO, so the backlog
/// came first. Under steady heartbeats a quiet tick may never come.</item>
/// </list>
/// </summary>
public sealed class CatchUp(Func<bool> busReady)
{
    private DateTimeOffset _startedAt;
    private bool _caughtUp;
    private int _quietTicks;
    private bool _appliedFresh;

    public void Started(DateTimeOffset at) => _startedAt = at;

    /// <summary>Takes in the batch about to be applied; true once caught up (and from then on).</summary>
    public bool After(IReadOnlyCollection<PendingChange> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_caughtUp)
        {
            _quietTicks = batch.Count == 0 && busReady() ? _quietTicks + 1 : 0;
            _caughtUp = _quietTicks >= 2 || (_appliedFresh && busReady());
            _appliedFresh |= batch.Any(p => ChangeTime(p.Change) >= _startedAt);
        }

        return _caughtUp;
    }

    private static DateTimeOffset ChangeTime(object change) => change switch
    {
        InstanceRegistered registered => registered.RegisteredAt,
        InstanceDeregistered deregistered => deregistered.At,
        _ => DateTimeOffset.MinValue,
    };
}
