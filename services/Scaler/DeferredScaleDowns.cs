using MassTransit;

namespace PretixOps.Scaler;

/// <summary>
/// Scale-downs that waited for the stabilization window or a cooldown: when due, they are decided again
/// through the same path as any trigger (so the policy is checked once more at that moment).
/// </summary>
public sealed class DeferredScaleDowns(DecisionHistory history, ScaleEngine engine, IBus bus, TimeProvider clock, ILogger<DeferredScaleDowns> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var due in history.DueDeferrals(clock.GetUtcNow()))
            {
                try
                {
                    await engine.DecideAsync(new ScaleRequest(due.Key, due.Trigger, due.Service, Direction.Down, false), bus, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Docker unreachable: the deferral stays, and is tried again at the next tick.
                    logger.LogWarning("Deferred scale-down of {Service} not decided yet: {Reason}", due.Service, ex.Message);
                }
            }
        }
    }
}
