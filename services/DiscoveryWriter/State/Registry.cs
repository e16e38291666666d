using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter.State;

/// <summary>
/// The live instances. Changes may arrive out of order (several consumers, redeliveries), so each carries
/// its time and the newest wins: a registration older than the entry or than a remembered deregistration
/// changes nothing. Not thread-safe: <see cref="Engine.SavedRegistry"/> owns it.
/// </summary>
public sealed class Registry
{
    private readonly NewestWinsRegistry<RegisteredInstance> _instances = new();
    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);

    public int Count => _instances.Count;

    /// <summary>Every job ever seen, so a job that loses its last instance keeps a file with <c>[]</c>.</summary>
    public IEnumerable<string> Jobs => _generations.Keys;

    public IEnumerable<RegisteredInstance> Instances => _instances.Values;

    /// <summary>Applies a registration; returns the jobs whose targets changed.</summary>
    public IReadOnlyCollection<string> Apply(InstanceRegistered registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        DateTimeOffset? expiresAt = registration.TtlSeconds == 0 ? null : registration.RegisteredAt.AddSeconds(registration.TtlSeconds);
        if (!_instances.Set(registration.InstanceId, new RegisteredInstance(registration, expiresAt), registration.RegisteredAt, out var existing))
        {
            return [];
        }

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
        // A deregistration that names a service removes only that service's entry: a task id of another service's
        // instance, named by a credential of this one, changes nothing. (An empty service is "whatever the id is".)
        if (deregistration.Service.Length > 0 && _instances.TryGet(deregistration.InstanceId, out var held)
            && !string.Equals(held.Registration.Service, deregistration.Service, StringComparison.Ordinal))
        {
            return [];
        }

        return _instances.Remove(deregistration.InstanceId, deregistration.At, out var removed) ? [.. JobsOf(removed.Registration)] : [];
    }

    /// <summary>Removes the entries that were not renewed in time and returns them; each is remembered as removed when it expired.</summary>
    public IReadOnlyList<RegisteredInstance> Expire(DateTimeOffset now)
    {
        var expired = _instances.Values.Where(e => e.ExpiresAt <= now).ToList();
        foreach (var entry in expired)
        {
            _instances.Remove(entry.Registration.InstanceId, entry.ExpiresAt!.Value, out _);
        }

        return expired;
    }

    public void PruneTombstones(DateTimeOffset olderThan) => _instances.ForgetRemovalsBefore(olderThan);

    /// <summary>
    /// The generation of a new write of <paramref name="job"/>'s targets: greater than the last one and at
    /// least the time in milliseconds, so it keeps increasing across restarts even when the last
    /// generation was not saved.
    /// </summary>
    public long NextGeneration(string job, DateTimeOffset now) =>
        _generations[job] = Math.Max(_generations.GetValueOrDefault(job) + 1, now.ToUnixTimeMilliseconds());

    public IEnumerable<RegisteredInstance> InstancesOf(string job) =>
        _instances.Values.Where(e => e.Registration.Exporters.Any(x => x.Job == job));

    public RegistryState ToState() => new(
        [.. _instances.Values.OrderBy(e => e.Registration.InstanceId, StringComparer.Ordinal)],
        new Dictionary<string, DateTimeOffset>(_instances.Removals, StringComparer.Ordinal),
        new Dictionary<string, long>(_generations, StringComparer.Ordinal));

    public static Registry FromState(RegistryState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var registry = new Registry();
        foreach (var entry in state.Entries)
        {
            registry._instances.Restore(entry.Registration.InstanceId, entry, entry.Registration.RegisteredAt);
        }

        foreach (var (id, at) in state.Tombstones)
        {
            registry._instances.RestoreRemoval(id, at);
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
