using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.Files;
using PretixOps.DiscoveryWriter.State;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// The one owner of the registry. Changes from the bus wait in a <see cref="ChangeBatcher"/>; the engine takes them
/// in batches, applies them, expires what was not renewed once it has <see cref="CatchUp">caught up</see>, saves the
/// registry (<see cref="SavedRegistry"/>), and only then lets the messages be acknowledged. Every replica keeps the
/// rendered targets for http_sd (<see cref="RenderedTargets"/>); the replica holding the <see cref="WriterLease"/>
/// replaces the file_sd files whose content changed (<see cref="TargetFiles"/>) and announces the expiries
/// (<see cref="ExpiryAnnouncer"/>).
/// </summary>
public sealed class DiscoveryEngine : BackgroundService
{
    private static readonly Histogram WriteSeconds = Metrics.CreateHistogram(
        "pretixops_discovery_write_duration_seconds", "Time to save the registry and replace the changed files of one batch.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    private readonly ChangeBatcher _changes;
    private readonly SavedRegistry _registry;
    private readonly RenderedTargets _rendered = new();
    private readonly CatchUp _catchUp;
    private readonly TargetFiles _files;
    private readonly ExpiryAnnouncer _expiries;
    private readonly TimeProvider _clock;
    private readonly IOptions<DiscoveryOptions> _options;
    private readonly ILogger<DiscoveryEngine> _logger;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DiscoveryEngine(
        RegistryStore store,
        IFileStore files,
        WriterLease lease,
        IEventPublisher events,
        TimeProvider clock,
        IOptions<DiscoveryOptions> options,
        ILogger<DiscoveryEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(events);
        _changes = new ChangeBatcher(options);
        _registry = new SavedRegistry(store);
        _catchUp = new CatchUp(() => events.BusReady);
        _files = new TargetFiles(files, lease, _rendered, _registry, events, clock, options, logger);
        _expiries = new ExpiryAnnouncer(lease, events);
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc cref="ChangeBatcher.SubmitAsync"/>
    public Task SubmitAsync(object change, CancellationToken cancellationToken) => _changes.SubmitAsync(change, cancellationToken);

    /// <inheritdoc cref="RenderedTargets.Of"/>
    public RenderedJob Rendered(string job) => _rendered.Of(job);

    public async Task<IReadOnlyList<RegisteredInstance>> ListAsync(string? service, string? job, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        return _registry.List(service, job);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _registry.Load();
        RenderAll();
        _catchUp.Started(_clock.GetUtcNow());
        _loaded.SetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await _changes.NextBatchAsync(stoppingToken);
            await ProcessAsync(batch, stoppingToken);
        }
    }

    private async Task ProcessAsync(List<PendingChange> batch, CancellationToken stoppingToken)
    {
        var now = _clock.GetUtcNow();
        using (WriteSeconds.NewTimer())
        {
            try
            {
                var expire = _catchUp.After(batch);
                var (changed, expired) = _registry.Commit(
                    [.. batch.Select(p => p.Change)], now, expire, now - _options.Value.TombstoneRetention);
                _rendered.Render(changed, _registry);
                _files.Changed(changed, batch);
                _expiries.Expired(expired);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not saved, so not acknowledged: the consumers throw and the bus retries the messages
                // (RegistryChangeConsumerDefinition: for as long as it takes). The registry went back to what is
                // on disk; the targets follow it.
                _logger.LogError(ex, "Could not save the registry; {Count} changes will be retried", batch.Count);
                foreach (var pending in batch)
                {
                    pending.Refused(ex);
                }

                RenderAll();
                return;
            }

            foreach (var pending in batch)
            {
                pending.Saved();
            }

            await _files.WriteAsync(stoppingToken);
        }

        await _expiries.AnnounceAsync(stoppingToken);
    }

    /// <summary>Renders every job from the registry as saved, and compares each with its file at the next write.</summary>
    private void RenderAll()
    {
        var jobs = _registry.Jobs;
        _rendered.Render(jobs, _registry);
        _files.Changed([.. jobs], []);
    }
}
