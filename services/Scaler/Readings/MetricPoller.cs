using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Readings;

/// <summary>
/// Reads every metric target of the policy at its own interval and keeps the last reading. A new policy (reloaded)
/// restarts the loops; a target whose query changed starts without a reading rather than with the old query's.
/// </summary>
public sealed class MetricPoller(PolicyStore policies, IMetricSource source, MetricReadings readings, TimeProvider clock, ILogger<MetricPoller> logger)
    : BackgroundService
{
    /// <summary>Queries in flight at once, however many targets there are.</summary>
    private readonly SemaphoreSlim _inFlight = new(32);

    private Dictionary<(string, string), string> _queries = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged() => changed.TrySetResult();
            policies.Changed += OnChanged;
            using var generation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var targets = Targets(policies.Current);
            var loops = targets.Select(t => PollAsync(t.Service, t.Target, generation.Token)).ToList();
            try
            {
                await changed.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                policies.Changed -= OnChanged;
                await generation.CancelAsync();
                await Task.WhenAll(loops);
            }
        }
    }

    private List<(string Service, MetricTarget Target)> Targets(ScalerOptions policy)
    {
        var targets = policy.Services.SelectMany(s => s.Value.Metrics.Select(m => (Service: s.Key, Target: m))).ToList();
        var queries = targets.ToDictionary(t => (t.Service, t.Target.Name!), t => t.Target.Query!);
        foreach (var ((service, metric), query) in queries)
        {
            if (_queries.TryGetValue((service, metric), out var before) && before != query)
            {
                readings.Forget(service, metric);
            }
        }

        readings.Retain(queries.Keys.ToHashSet());
        _queries = queries;
        return targets;
    }

    private async Task PollAsync(string service, MetricTarget target, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(target.Interval, clock);
            do
            {
                await ReadAsync(service, target, cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(string service, MetricTarget target, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            var value = await source.QueryAsync(target.Query!, cancellationToken);
            readings.Record(service, target.Name!, value, clock.GetUtcNow());
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong is a failed reading, never a dead loop whose last value stays in force. Said when it
            // starts failing and now and then while it goes on; every failure is in the metrics.
            var reason = e is MetricQueryException query ? query.Reason : "internal";
            var failures = readings.Fail(service, target.Name!, reason, e.Message, clock.GetUtcNow());
            if (failures == 1 || failures % 60 == 0)
            {
                logger.LogWarning("Metric {Metric} of {Service} not read ({Failures} in a row): {Reason}", target.Name, service, failures, e.Message);
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public override void Dispose()
    {
        _inFlight.Dispose();
        base.Dispose();
    }
}
