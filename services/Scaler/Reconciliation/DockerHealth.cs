using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// Whether the Engine API answered the last call, and when to try again after it did not: exponential backoff from
/// one second to thirty. A Docker outage only delays convergence; this is what the metrics and health show of it.
/// This is the reconcile loop's own backoff, not a message retry: the signal that asked for the change was
/// acknowledged once journaled, and the loop converges from what is true whenever Docker answers again.
/// </summary>
public sealed class DockerHealth(TimeProvider clock) : IHealthCheck
{
    private static readonly Gauge Up = Metrics.CreateGauge("pretixops_scaler_docker_up", "1 while the Engine API answers the Scaler, 0 while it does not.");

    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private TimeSpan _backoff = First;

    public DateTimeOffset? DownSince { get; private set; }

    public string? Error { get; private set; }

    public DateTimeOffset RetryAt { get; private set; }

    public bool ShouldWait => DownSince is not null && clock.GetUtcNow() < RetryAt;

    public void Answered()
    {
        lock (_gate)
        {
            DownSince = null;
            Error = null;
            _backoff = First;
            Up.Set(1);
        }
    }

    public void Failed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            DownSince ??= now;
            Error = error.InnerException is { } inner && error is HttpRequestException ? $"{error.Message} ({inner.Message})" : error.Message;
            RetryAt = now + _backoff;
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, Longest.Ticks));
            Up.Set(0);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(DownSince is { } since
            ? HealthCheckResult.Degraded($"the Engine API has not answered since {since:O} ({Error}); changes wait, retried at {RetryAt:O}")
            : HealthCheckResult.Healthy("the Engine API answers (or was not needed yet)"));
}
