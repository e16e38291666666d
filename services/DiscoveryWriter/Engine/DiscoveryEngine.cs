using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// The one owner of the registry. Changes from the bus wait in a channel; the engine takes them in
/// batches (a burst becomes one write), applies them, expires what was not renewed, saves the registry,
/// and only then lets the messages be acknowledged. The replica holding the writer lease then replaces
/// the file_sd files whose content changed; every replica keeps the rendered targets for http_sd.
/// </summary>
public sealed class DiscoveryEngine(
    RegistryStore store,
    ISdFileWriter writer,
    WriterLease lease,
    IEventPublisher events,
    TimeProvider clock,
    IOptions<DiscoveryOptions> options,
    ILogger<DiscoveryEngine> logger) : BackgroundService
{
    private static readonly byte[] EmptyJob = "[]\n"u8.ToArray();

    private static readonly Counter Changes = Metrics.CreateCounter(
        "pretixops_discovery_changes_total", "Registrations and deregistrations applied, by kind and reason.", "kind", "reason");

    private static readonly Gauge Targets = Metrics.CreateGauge(
        "pretixops_discovery_targets", "Targets per job in the registry.", "job");

    private static readonly Gauge Instances = Metrics.CreateGauge(
        "pretixops_discovery_instances", "Live instances in the registry.");

    private static readonly Counter FileWrites = Metrics.CreateCounter(
        "pretixops_discovery_file_writes_total", "file_sd files replaced, by job.", "job");

    private static readonly Histogram WriteSeconds = Metrics.CreateHistogram(
        "pretixops_discovery_write_duration_seconds", "Time to save the registry and replace the changed files of one batch.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    private static readonly Gauge Writer = Metrics.CreateGauge(
        "pretixops_discovery_writer", "1 while this replica holds the writer lease and writes the files.");

    private readonly Channel<Pending> _changes = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal);
    private readonly List<InstanceDeregistered> _unannounced = [];
    private Registry _registry = new();
    private bool _caughtUp;
    private int _quietTicks;
    private bool _appliedFresh;
    private DateTimeOffset _startedAt;
    private Dictionary<string, RenderedJob> _rendered = new(StringComparer.Ordinal);

    public sealed record RenderedJob(byte[] Content, string ETag);

    private sealed record Pending(object Change, TaskCompletionSource Done);

    /// <summary>Queues a change and completes once it is saved to disk: acknowledge the message only then.</summary>
    public async Task SubmitAsync(object change, CancellationToken cancellationToken)
    {
        var pending = new Pending(change, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _changes.Writer.WriteAsync(pending, cancellationToken);
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A job's targets in file_sd / http_sd format; an unknown job has none.</summary>
    public RenderedJob Rendered(string job)
    {
        var rendered = Volatile.Read(ref _rendered);
        return rendered.TryGetValue(job, out var known) ? known : Render(EmptyJob);
    }

    public async Task<IReadOnlyList<RegisteredInstance>> ListAsync(string? service, string? job, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        lock (_gate)
        {
            return [.. _registry.Instances
                .Where(i => service is null || i.Registration.Service == service)
                .Where(i => job is null || i.Registration.Exporters.Any(e => e.Job == job))
                .OrderBy(i => i.Registration.InstanceId, StringComparer.Ordinal)];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            _registry = store.Load();
            _unwritten.UnionWith(_registry.Jobs);
            RenderJobs(_registry.Jobs);
        }

        _startedAt = clock.GetUtcNow();
        _loaded.SetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await NextBatchAsync(stoppingToken);
            await ProcessAsync(batch, stoppingToken);
        }
    }

    /// <summary>Waits for the first change (or a tick), then gathers what else arrives within the coalescing delay.</summary>
    private async Task<List<Pending>> NextBatchAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var batch = new List<Pending>();
        using (var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            tick.CancelAfter(settings.TickInterval);
            try
            {
                batch.Add(await _changes.Reader.ReadAsync(tick.Token));
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return batch;
            }
        }

        // Batching runs on real time; the injected clock is for the registry's own times (expiry).
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.CoalesceDelay.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < settings.MaxBatch)
        {
            while (batch.Count < settings.MaxBatch && _changes.Reader.TryRead(out var more))
            {
                batch.Add(more);
            }

            var left = deadline - Stopwatch.GetTimestamp();
            if (batch.Count >= settings.MaxBatch || left <= 0)
            {
                break;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            try
            {
                await _changes.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        return batch;
    }

    private static DateTimeOffset ChangeTime(object change) => change switch
    {
        InstanceRegistered registered => registered.RegisteredAt,
        InstanceDeregistered deregistered => deregistered.At,
        _ => DateTimeOffset.MinValue,
    };

    private async Task ProcessAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        var now = clock.GetUtcNow();
        using (WriteSeconds.NewTimer())
        {
            lock (_gate)
            {
                var announced = _unannounced.Count;
                try
                {
                    var dirty = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var pending in batch)
                    {
                        dirty.UnionWith(Apply(pending.Change));
                    }

                    // After a restart the queue holds the renewals that arrived meanwhile: expire nothing until
                    // they are applied, or live entries would be removed and re-added, emptying and refilling the
                    // files. Caught up, with the bus up, is either of:
                    // - two ticks in a row with nothing to apply (one could fall between the bus connecting and its
                    //   first delivery);
                    // - the batch after one that held a change made since this replica started: the queue is FIFO,
                    //   so the backlog came first. Under steady heartbeats a quiet tick may never come.
                    if (!_caughtUp)
                    {
                        _quietTicks = batch.Count == 0 && events.BusReady ? _quietTicks + 1 : 0;
                        _caughtUp = _quietTicks >= 2 || (_appliedFresh && events.BusReady);
                        _appliedFresh |= batch.Any(p => ChangeTime(p.Change) >= _startedAt);
                    }
                    var expired = _caughtUp ? _registry.Expire(now) : [];
                    foreach (var entry in expired)
                    {
                        dirty.UnionWith(Registry.JobsOf(entry.Registration));
                        _unannounced.Add(new InstanceDeregistered(
                            entry.Registration.InstanceId, entry.Registration.Service, DeregistrationReason.Expired, entry.ExpiresAt!.Value));
                    }

                    _registry.PruneTombstones(now - options.Value.TombstoneRetention);
                    if (batch.Count > 0 || expired.Count > 0)
                    {
                        store.Save(_registry);
                    }

                    Changes.WithLabels("deregistered", "expired").Inc(expired.Count);
                    foreach (var pending in batch)
                    {
                        Count(pending.Change);
                    }

                    RenderJobs(dirty);
                    _unwritten.UnionWith(dirty);
                    Instances.Set(_registry.Count);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Not saved, so not acknowledged: the consumers throw and the bus retries the messages. The
                    // registry goes back to what is on disk, so memory, files and disk never disagree. (If even
                    // that cannot be read, the engine stops and takes the service down: a restart is the fix.)
                    logger.LogError(ex, "Could not save the registry; {Count} changes will be retried", batch.Count);
                    foreach (var pending in batch)
                    {
                        pending.Done.TrySetException(ex);
                    }

                    _unannounced.RemoveRange(announced, _unannounced.Count - announced);
                    _registry = store.Load();
                    RenderJobs(_registry.Jobs);
                    _unwritten.UnionWith(_registry.Jobs);
                    return;
                }
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetResult();
            }

            await WriteFilesAsync(stoppingToken);
        }

        await AnnounceExpiriesAsync(stoppingToken);
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

    private void RenderJobs(IEnumerable<string> jobs)
    {
        var rendered = new Dictionary<string, RenderedJob>(_rendered, StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var instances = _registry.InstancesOf(job).ToList();
            rendered[job] = Render(FileSd.Render(job, instances));
            Targets.WithLabels(job).Set(instances.Sum(i => i.Registration.Exporters.Count(e => e.Job == job)));
        }

        Volatile.Write(ref _rendered, rendered);
    }

    private async Task WriteFilesAsync(CancellationToken stoppingToken)
    {
        var leader = lease.TryHold();
        Writer.Set(leader ? 1 : 0);
        if (!leader || _unwritten.Count == 0)
        {
            return;
        }

        var written = new List<TargetsWritten>();
        foreach (var job in _unwritten.ToList())
        {
            var rendered = Rendered(job);
            var folder = Path.GetFullPath(options.Value.OutputDirectory);
            var path = Path.GetFullPath(Path.Combine(folder, job + ".json"));
            if (!Names.IsValid(job) || Path.GetDirectoryName(path) != folder)
            {
                // Names are checked on the way in; this guards the file system against any that slipped by.
                logger.LogError("Refusing to write targets of {Job}: not a job name", job);
                _unwritten.Remove(job);
                continue;
            }

            try
            {
                if (writer.WriteIfChanged(path, rendered.Content))
                {
                    FileWrites.WithLabels(job).Inc();
                    long generation;
                    lock (_gate)
                    {
                        generation = _registry.NextGeneration(job, clock.GetUtcNow());
                    }

                    written.Add(new TargetsWritten(job, CountTargets(rendered.Content), generation, clock.GetUtcNow()));
                }

                _unwritten.Remove(job);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError(ex, "Could not write the targets of {Job}; retrying at the next tick", job);
            }
        }

        foreach (var message in written)
        {
            await events.TryPublishAsync(message, stoppingToken);
        }
    }

    /// <summary>Only the writer announces expiries, so two replicas do not announce each one twice.</summary>
    private async Task AnnounceExpiriesAsync(CancellationToken stoppingToken)
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

    private static RenderedJob Render(byte[] content) =>
        new(content, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"");

    private static int CountTargets(byte[] content)
    {
        using var json = System.Text.Json.JsonDocument.Parse(content);
        return json.RootElement.GetArrayLength();
    }
}
