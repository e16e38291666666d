namespace PretixOps.AlertIngest;

/// <summary>
/// When each legacy rule's current alerting episode started, as this replica saw it. Kept in memory: a
/// reminder arriving at another replica or after a restart starts a new id, which the Scaler's cooldown
/// absorbs; Alertmanager and unified Grafana carry their own start times and need none of this.
/// </summary>
public sealed class LegacyEpisodes
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _started = new(StringComparer.Ordinal);

    public DateTimeOffset StartOf(string fingerprint, DateTimeOffset now) => _started.GetOrAdd(fingerprint, now);

    /// <summary>Called once an <c>ok</c> was published: the next <c>alerting</c> is a new episode.</summary>
    public void End(string fingerprint) => _started.TryRemove(fingerprint, out _);
}
