using Prometheus;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.State;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// The registry in memory, never ahead of what is saved: a batch of changes is applied, the expired entries
/// removed and the registry saved, all at once, or, when saving fails, the registry goes back to what is on disk.
/// The engine is its one writer; its lock lets a reader on any thread (listing) see whole batches only.
/// </summary>
public sealed class SavedRegistry(RegistryStore store)
{
    private static readonly Counter Changes = Metrics.CreateCounter(
        "pretixops_discovery_changes_total", "Registrations and deregistrations applied, by kind and reason.", "kind", "reason");

    private static readonly Gauge Instances = Metrics.CreateGauge(
        "pretixops_discovery_instances", "Live instances in the registry.");

    private readonly Lock _gate = new();
    private Registry _registry = new();

    /// <summary>Every job ever seen.</summary>
    public IReadOnlyList<string> Jobs
    {
        get
        {
            lock (_gate)
            {
                return [.. _registry.Jobs];
            }
        }
    }

    /// <summary>Reads the registry from disk. If even that fails, the engine stops and takes the service down: a restart is the fix.</summary>
    public void Load()
    {
        lock (_gate)
        {
            _registry = store.Load();
        }
    }

    /// <summary>
    /// Applies <paramref name="changes"/>, expires what was not renewed by <paramref name="now"/> (when
    /// <paramref name="expire"/>), forgets deregistrations older than <paramref name="forgetBefore"/>, and saves.
    /// </summary>
    /// <returns>The jobs whose targets changed, and the entries that expired.</returns>
    /// <exception cref="IOException">Not saved: the registry is back to what is on disk.</exception>
    /// <exception cref="UnauthorizedAccessException">Not saved: the registry is back to what is on disk.</exception>
    public (IReadOnlySet<string> ChangedJobs, IReadOnlyList<RegisteredInstance> Expired) Commit(
        IReadOnlyCollection<object> changes, DateTimeOffset now, bool expire, DateTimeOffset forgetBefore)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            var changed = new HashSet<string>(StringComparer.Ordinal);
            IReadOnlyList<RegisteredInstance> expired;
            try
            {
                foreach (var change in changes)
                {
                    changed.UnionWith(Apply(change));
                }

                expired = expire ? _registry.Expire(now) : [];
                foreach (var entry in expired)
                {
                    changed.UnionWith(Registry.JobsOf(entry.Registration));
                }

                _registry.PruneTombstones(forgetBefore);
                if (changes.Count > 0 || expired.Count > 0)
                {
                    store.Save(_registry);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Memory, files and disk never disagree: what was applied and not saved is forgotten. If even the disk
                // cannot be read back, nothing here can be trusted: the engine stops, and so the service (a restart is
                // the fix), instead of serving a registry that is on no disk.
                try
                {
                    _registry = store.Load();
                }
                catch (Exception reload) when (reload is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidOperationException($"The registry was not saved ({ex.Message}) and cannot be read back: {reload.Message}", reload);
                }

                throw;
            }

            Changes.WithLabels("deregistered", "expired").Inc(expired.Count);
            foreach (var change in changes)
            {
                Count(change);
            }

            Instances.Set(_registry.Count);
            return (changed, expired);
        }
    }

    public IReadOnlyList<RegisteredInstance> List(string? service, string? job)
    {
        lock (_gate)
        {
            return [.. _registry.Instances
                .Where(i => service is null || i.Registration.Service == service)
                .Where(i => job is null || i.Registration.Exporters.Any(e => e.Job == job))
                .OrderBy(i => i.Registration.InstanceId, StringComparer.Ordinal)];
        }
    }

    public IReadOnlyList<RegisteredInstance> InstancesOf(string job)
    {
        lock (_gate)
        {
            return [.. _registry.InstancesOf(job)];
        }
    }

    /// <inheritdoc cref="Registry.NextGeneration"/>
    public long NextGeneration(string job, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _registry.NextGeneration(job, now);
        }
    }

    private IReadOnlyCollection<string> Apply(object change) => change switch
    {
        InstanceRegistered registered => _registry.Apply(registered),
        InstanceDeregistered deregistered => _registry.Apply(deregistered),
        _ => throw new ArgumentException($"Not a registry change: {change.GetType()}", nameof(change)),
    };

    /// <summary>Counted once saved, so a batch that failed and is redelivered is not counted twice.</summary>
    private static void Count(object change)
    {
        if (change is InstanceDeregistered deregistered)
        {
            Changes.WithLabels("deregistered", deregistered.Reason == DeregistrationReason.Expired ? "expired" : "explicit").Inc();
        }
        else
        {
            Changes.WithLabels("registered", "").Inc();
        }
    }
}
