using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PretixOps.Scaler.Journal;

/// <summary>Ready while this replica follows the journal: without it nothing can be taken in or decided.</summary>
public sealed class JournalHealth(IJournal journal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((journal.Connected, journal.CaughtUp) switch
        {
            (true, true) => HealthCheckResult.Healthy($"following {journal.Stream} at offset {journal.State.LastOffset}"),
            (true, false) => HealthCheckResult.Unhealthy($"reading {journal.Stream} (at offset {journal.State.LastOffset})"),
            _ => HealthCheckResult.Unhealthy($"not connected to {journal.Stream}: the broker is away"),
        });
}
