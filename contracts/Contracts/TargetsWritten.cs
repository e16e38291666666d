namespace PretixOps.Contracts;

/// <summary>A Prometheus service-discovery file was replaced with new content.</summary>
/// <param name="Generation">Increases with every write of this job's file.</param>
public sealed record TargetsWritten(
    string Job,
    int TargetCount,
    long Generation,
    DateTimeOffset At);
