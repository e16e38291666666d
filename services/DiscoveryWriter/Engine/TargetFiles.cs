using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.Files;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// The file_sd files, <c>OutputDirectory/&lt;job&gt;.json</c>: which jobs changed since their file was last
/// written, and, while this replica holds the writer lease, replacing those files whose content changed and
/// announcing each (<see cref="TargetsWritten"/>). A file that cannot be written is tried again after the next batch.
/// </summary>
public sealed class TargetFiles(
    IFileStore files,
    WriterLease lease,
    RenderedTargets rendered,
    SavedRegistry registry,
    IEventPublisher events,
    TimeProvider clock,
    IOptions<DiscoveryOptions> options,
    ILogger logger)
{
    private static readonly Counter FileWrites = Metrics.CreateCounter(
        "pretixops_discovery_file_writes_total", "file_sd files replaced, by job.", "job");

    private static readonly Gauge Writer = Metrics.CreateGauge(
        "pretixops_discovery_writer", "1 while this replica holds the writer lease and writes the files.");

    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal);

    /// <summary>Jobs whose rendering changed (or may have), to compare with their files.</summary>
    public void Changed(IEnumerable<string> jobs) => _unwritten.UnionWith(jobs);

    public async Task WriteAsync(CancellationToken stoppingToken)
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
            var targets = rendered.Of(job);
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
                if (files.WriteIfChanged(path, targets.Content))
                {
                    FileWrites.WithLabels(job).Inc();
                    var generation = registry.NextGeneration(job, clock.GetUtcNow());
                    written.Add(new TargetsWritten(job, targets.Targets, generation, clock.GetUtcNow()));
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
}
