using Prometheus;
using PretixOps.DiscoveryWriter.Files;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// Every job's targets as last rendered from the saved registry, for the files and for http_sd. Replaced whole, so
/// a reader on any thread sees one rendering without taking the registry's lock; the engine is its one writer.
/// </summary>
public sealed class RenderedTargets
{
    private static readonly Gauge Targets = Metrics.CreateGauge(
        "pretixops_discovery_targets", "Targets per job in the registry.", "job");

    private static readonly RenderedJob None = RenderedJob.Of("[]\n"u8.ToArray(), 0);

    private Dictionary<string, RenderedJob> _jobs = new(StringComparer.Ordinal);

    /// <summary>A job's targets; an unknown job has none.</summary>
    public RenderedJob Of(string job) => Volatile.Read(ref _jobs).GetValueOrDefault(job) ?? None;

    /// <summary>Renders <paramref name="jobs"/> again from <paramref name="registry"/>.</summary>
    public void Render(IEnumerable<string> jobs, SavedRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(registry);
        var rendered = new Dictionary<string, RenderedJob>(_jobs, StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var content = FileSd.Render(job, registry.InstancesOf(job), out var targets);
            rendered[job] = RenderedJob.Of(content, targets);
            Targets.WithLabels(job).Set(targets);
        }

        Volatile.Write(ref _jobs, rendered);
    }
}
