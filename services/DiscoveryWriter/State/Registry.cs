using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// The live instances. Changes may arrive out of order (several consumers, redeliveries), so each carries
/// its time and the newest wins: a registration older than the entry or than a remembered deregistration
/// changes nothing. Not thread-safe: <see cref="DiscoveryEngine"/> owns it.
/// </summary>
public sealed class Registry
{
    private readonly Dictionary<string, RegisteredInstance> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _tombstones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>Every job ever seen, so a job that loses its last instance keeps a file with <c>[]</c>.</summary>
    public IEnumerable<string> Jobs => _generations.Keys;

    public IEnumerable<RegisteredInstance> Instances => _entries.Values;

    /// <summary>Applies a registration; returns the jobs whose targets changed.</summary>
    public IReadOnlyCollection<string> Apply(InstanceRegistered registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var id = registration.InstanceId;
        if (_tombstones.TryGetValue(id, out var gone) && gone >= registration.RegisteredAt)
        {
            return [];
        }

        _entries.TryGetValue(id, out var existing);
        if (existing is not null && existing.Registration.RegisteredAt > registration.RegisteredAt)
        {
            return [];
        }

        DateTimeOffset? expiresAt = registration.TtlSeconds == 0 ? null : registration.RegisteredAt.AddSeconds(registration.TtlSeconds);
        _entries[id] = new RegisteredInstance(registration, expiresAt);
        var jobs = JobsOf(existing?.Registration).Union(JobsOf(registration), StringComparer.Ordinal).ToList();
        foreach (var job in jobs)
        {
            _generations.TryAdd(job, 0);
        }

        return jobs;
    }

    /// <summary>Applies a deregistration; returns the jobs whose targets changed.</summary>
    public IReadOnlyCollection<string> Apply(InstanceDeregistered deregistration)
    {
        ArgumentNullException.ThrowIfNull(deregistration);
        var id = deregistration.InstanceId;
        if (!_tombstones.TryGetValue(id, out var previous) || previous < deregistration.At)
        {
            _tombstones[id] = deregistration.At;
        }

        if (!_entries.TryGetValue(id, out var existing) || existing.Registration.RegisteredAt > deregistration.At)
        {
            return [];
        }

        _entries.Remove(id);
        return [.. JobsOf(existing.Registration)];
    }

    /// <summary>Removes the entries that were not renewed in time and returns them.</summary>
    public IReadOnlyList<RegisteredInstance> Expire(DateTimeOffset now)
    {
        var expired = _entries.Values.Where(e => e.ExpiresAt <= now).ToList();
        foreach (var entry in expired)
        {
            _entries.Remove(entry.Registration.InstanceId);
            _tombstones[entry.Registration.InstanceId] = entry.ExpiresAt!.Value;
        }

        return expired;
    }

    public void PruneTombstones(DateTimeOffset olderThan)
    {
        foreach (var id in _tombstones.Where(t => t.Value < olderThan).Select(t => t.Key).ToList())
        {
            _tombstones.Remove(id);
        }
    }

    /// <summary>
    /// The generation of a new write of <paramref name="job"/>'s targets: greater than the last one and at
    /// least the time in milliseconds, so it keeps increasing across restarts even when the last
    /// generation was not saved.
    /// </summary>
    public long NextGeneration(string job, DateTimeOffset now) =>
        _generations[job] = Math.Max(_generations.GetValueOrDefault(job) + 1, now.ToUnixTimeMilliseconds());

    public IEnumerable<RegisteredInstance> InstancesOf(string job) =>
        _entries.Values.Where(e => e.Registration.Exporters.Any(x => x.Job == job));

    public RegistryState ToState() => new(
        [.. _entries.Values.OrderBy(e => e.Registration.InstanceId, StringComparer.Ordinal)],
        new Dictionary<string, DateTimeOffset>(_tombstones, StringComparer.Ordinal),
        new Dictionary<string, long>(_generations, StringComparer.Ordinal));

    public static Registry FromState(RegistryState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var registry = new Registry();
        foreach (var entry in state.Entries)
        {
            registry._entries[entry.Registration.InstanceId] = entry;
        }

        foreach (var (id, at) in state.Tombstones)
        {
            registry._tombstones[id] = at;
        }

        foreach (var (job, generation) in state.Generations)
        {
            registry._generations[job] = generation;
        }

        return registry;
    }

    public static IEnumerable<string> JobsOf(InstanceRegistered? registration) =>
        registration?.Exporters.Select(e => e.Job).Distinct(StringComparer.Ordinal) ?? [];
}

/// <summary>What survives a restart: entries with their expiry, remembered deregistrations, and the jobs with their write counts.</summary>
public sealed record RegistryState(
    IReadOnlyList<RegisteredInstance> Entries,
    IReadOnlyDictionary<string, DateTimeOffset> Tombstones,
    IReadOnlyDictionary<string, long> Generations);
