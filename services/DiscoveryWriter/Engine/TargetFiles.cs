using System.Diagnostics;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.Files;
using PretixOps.DiscoveryWriter.State;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// The file_sd files, <c>OutputDirectory/&lt;job&gt;.json</c>: which jobs changed since their file was last
/// written, and, while this replica holds the writer lease, replacing those files whose content changed and
/// announcing each (<see cref="TargetsWritten"/>). A file that cannot be written is tried again after the next batch.
/// A write continues the trace of the first change that led to it (a registration's, from its HTTP request on) and
/// links the others, so one registration is one trace from the request to the file.
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

    /// <summary>Links a write keeps at most: a batch may hold hundreds of changes, a span need not name them all.</summary>
    private const int MaxLinks = 32;

    /// <summary>Jobs to compare with their files, each with the traces of the changes that led to it (none: a restart's).</summary>
    private readonly Dictionary<string, List<ActivityContext>> _unwritten = new(StringComparer.Ordinal);

    /// <summary>
    /// Jobs whose rendering changed (or may have), to compare with their files, and the changes of the batch that
    /// changed them: each change's trace goes with the jobs it names (a deregistration names none: all of them).
    /// </summary>
    public void Changed(IReadOnlyCollection<string> jobs, IEnumerable<PendingChange> batch)
    {
        foreach (var job in jobs)
        {
            _unwritten.TryAdd(job, []);
        }

        foreach (var pending in batch.Where(p => p.Cause != default))
        {
            var named = pending.Change is InstanceRegistered registered ? Registry.JobsOf(registered).Where(jobs.Contains) : jobs;
            foreach (var job in named)
            {
                var causes = _unwritten[job];
                if (causes.Count <= MaxLinks)
                {
                    causes.Add(pending.Cause);
                }
            }
        }
    }

    public async Task WriteAsync(CancellationToken stoppingToken)
    {
        var leader = lease.TryHold();
        Writer.Set(leader ? 1 : 0);
        if (!leader)
        {
            // The writer writes these; should this replica take the lease later, its first write continues nobody's trace.
            foreach (var causes in _unwritten.Values)
            {
                causes.Clear();
            }

            return;
        }

        foreach (var (job, causes) in _unwritten.ToList())
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

            bool replaced;
            try
            {
                replaced = files.WriteIfChanged(path, targets.Content);
                _unwritten.Remove(job);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError(ex, "Could not write the targets of {Job}; retrying at the next tick", job);
                continue;
            }

            if (!replaced)
            {
                continue;
            }

            // Only a file that changed continues the traces of the changes behind it (a renewal changes none).
            using var span = causes.Count == 0 ? null : ServiceTracing.Source.StartActivity(
                "write file_sd " + job, ActivityKind.Internal, causes[0], links: causes.Skip(1).Select(c => new ActivityLink(c)));
            FileWrites.WithLabels(job).Inc();
            logger.LogInformation("Wrote {Targets} targets of {Job} to {Path}", targets.Targets, job, path);
            var generation = registry.NextGeneration(job, clock.GetUtcNow());
            // An announcement with no reader in this project: one the broker did not confirm is not sent again.
            await events.TryPublishAsync(new TargetsWritten(job, targets.Targets, generation, clock.GetUtcNow()), stoppingToken);
        }
    }
}
