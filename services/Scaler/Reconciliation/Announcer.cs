using MassTransit;
using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// The outbox: every decision in the journal is published on the bus (<see cref="ScaleDecisionRecorded"/>, and
/// <see cref="ServiceScaled"/> for an applied change) by the leader, then marked announced in the journal. A leader that
/// dies between the two, or a broker that is away, only delays it: the next leader announces what is not marked, so
/// each decision is announced at least once (consumers know a repeat by its DecisionId).
/// </summary>
public sealed class Announcer(IJournal journal, ILeadership lease, IBus bus, TimeProvider clock, ILogger<Announcer> logger) : BackgroundService
{
    private static readonly Counter Announced = Metrics.CreateCounter(
        "pretixops_scaler_decisions_announced_total", "Decisions published on the bus from the journal's outbox.");

    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        journal.Applied += (entry, _) =>
        {
            if (entry is DecisionMade { Intent: false } or DecisionApplied or LeaderElected)
            {
                _wake.Release();
            }
        };
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                while (_wake.CurrentCount > 0)
                {
                    await _wake.WaitAsync(stoppingToken);
                }

                while (lease.Term is { } term && await AnnounceAsync(term))
                {
                }

                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Decisions not announced yet, retrying in {Backoff}: {Reason}", backoff, e.Message);
                await Task.Delay(backoff, clock, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Announces one batch; false when there was nothing to announce.</summary>
    private async Task<bool> AnnounceAsync(LeaderTerm term)
    {
        var batch = journal.State.Unannounced(100);
        if (batch.Count == 0)
        {
            return false;
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(term.Token);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        await Task.WhenAll(batch.Select(async decision =>
        {
            await bus.Publish(decision, bound.Token);
            if (decision is { Outcome: ScaleOutcome.Applied } && decision.To != decision.From)
            {
                await bus.Publish(new ServiceScaled(decision.DecisionId, decision.Service, decision.From, decision.To, decision.At), bound.Token);
            }
        }));
        await journal.AppendAsync(new DecisionsAnnounced([.. batch.Select(d => d.DecisionId)]) { At = clock.GetUtcNow() }, term.Token);
        Announced.Inc(batch.Count);
        return true;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
