using Microsoft.Extensions.Options;
using Prometheus;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// Runs one loop per host: poll, wait the interval (±10 % jitter, so hosts added together drift apart), poll again.
/// A semaphore bounds the polls in flight; a slow or dead host only ever holds its own loop and one slot.
/// Every second the loops are matched to the directory: new hosts start, changed ones restart, gone ones stop.
/// </summary>
public sealed class PollScheduler(
    HostDirectory directory,
    HostPoller poller,
    PollResults results,
    IOptions<SnmpPollerOptions> options,
    TimeProvider clock,
    ILogger<PollScheduler> logger) : BackgroundService
{
    private static readonly Gauge HostsPolled = Metrics.CreateGauge("snmp_poller_hosts", "Hosts being polled, by origin.", "origin");
    private static readonly Counter Polls = Metrics.CreateCounter("snmp_poller_polls_total", "Polls completed, by result.", "result");

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentPolls);
    private readonly Dictionary<string, (PolledHost Host, CancellationTokenSource Stop, Task Loop)> _loops = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                directory.Sweep();
                Reconcile(directory.Snapshot(), stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var (_, stop, _) in _loops.Values)
            {
                await stop.CancelAsync();
            }
            await Task.WhenAll(_loops.Values.Select(l => l.Loop));
        }
    }

    private void Reconcile(IReadOnlyList<PolledHost> hosts, CancellationToken stoppingToken)
    {
        var wanted = hosts.ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, running) in _loops.ToList())
        {
            if (!wanted.TryGetValue(name, out var host) || host != running.Host)
            {
                running.Stop.Cancel();
                _loops.Remove(name);
                if (host is null)
                {
                    results.Forget(name);
                    logger.LogInformation("Stopped polling {Host}", name);
                }
            }
        }
        foreach (var host in hosts)
        {
            if (!_loops.ContainsKey(host.Name))
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                _loops[host.Name] = (host, stop, Task.Run(() => LoopAsync(host, stop.Token), CancellationToken.None));
                logger.LogInformation("Polling {Host} at {Address}:{Port} every {Interval}", host.Name, host.Address, host.Port, host.Interval);
            }
        }
        HostsPolled.WithLabels("static").Set(hosts.Count(h => h.IsStatic));
        HostsPolled.WithLabels("registration").Set(hosts.Count(h => !h.IsStatic));
    }

    private async Task LoopAsync(PolledHost host, CancellationToken cancellationToken)
    {
        try
        {
            // The first poll comes soon, but not for every host at the same instant.
            await Task.Delay(Jitter(TimeSpan.FromTicks(Math.Min(host.Interval.Ticks, TimeSpan.FromSeconds(1).Ticks)), full: true),
                clock, cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var started = clock.GetTimestamp();
                await _slots.WaitAsync(cancellationToken);
                PollReport report;
                try
                {
                    report = await poller.PollAsync(host.Name, host.Address, host.Port, host.Auth, cancellationToken);
                }
                finally
                {
                    _slots.Release();
                }
                results.Record(host, report, clock.GetUtcNow());
                Polls.WithLabels(report.Up ? "up" : "down").Inc();
                if (!report.Up)
                {
                    logger.LogWarning("Poll of {Host} failed ({Reason}): {Error}", host.Name, report.ErrorReason, report.Error);
                }
                var next = Jitter(host.Interval, full: false) - clock.GetElapsedTime(started);
                if (next > TimeSpan.Zero)
                {
                    await Task.Delay(next, clock, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>full: anywhere in [0, span); otherwise span ±10 %.</summary>
    private static TimeSpan Jitter(TimeSpan span, bool full) =>
        full ? span * Random.Shared.NextDouble() : span * (0.9 + 0.2 * Random.Shared.NextDouble());

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }
}
