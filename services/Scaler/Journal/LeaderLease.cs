using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;
using Prometheus;
using RabbitMQ.Client.Exceptions;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// Which Scaler replica acts: the one holding the exclusive queue <c>&lt;journal&gt;-leader</c> on its journal
/// connection. RabbitMQ refuses the declaration to every other connection (405 RESOURCE_LOCKED) and deletes the queue
/// the moment the holder's connection goes (a <c>kill -9</c> closes its socket; a lost node is noticed by heartbeats),
/// so a standby takes over within a second of trying. The new leader writes <see cref="LeaderElected"/>; reading it
/// back means it has read everything before it, and its offset is the epoch that fences every older leader.
/// </summary>
public sealed class LeaderLease(StreamJournal journal, IOptions<ScalerOptions> options, TimeProvider clock, ILogger<LeaderLease> logger)
    : BackgroundService, ILeadership
{
    private static readonly Gauge IsLeader = Metrics.CreateGauge("pretixops_scaler_leader", "1 on the Scaler replica that acts (holds the leader lock).");

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private volatile LeaderTerm? _term;

    /// <summary>This replica's term while it leads; null while it stands by.</summary>
    public LeaderTerm? Term => _term;

    /// <summary>Raised when this replica becomes leader or stops being it.</summary>
    public event Action? Changed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = $"{options.Value.Journal.Stream}-leader";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await journal.WhenCaughtUp(stoppingToken);
                if (journal.Current is not var (connection, lost))
                {
                    await Task.Delay(Retry, clock, stoppingToken);
                    continue;
                }

                await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
                await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true,
                    new Dictionary<string, object?> { ["x-queue-type"] = "classic" }, cancellationToken: stoppingToken);
                await LeadAsync(lost, stoppingToken);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 405)
            {
                // Another replica leads.
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or JournalUnavailableException
                                          or OperationCanceledException or IOException)
            {
                logger.LogWarning("Leader lock not held: {Reason}", e.Message);
            }

            try
            {
                await Task.Delay(Retry, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task LeadAsync(CancellationToken lost, CancellationToken stoppingToken)
    {
        using var term = CancellationTokenSource.CreateLinkedTokenSource(lost, stoppingToken);
        var epoch = await journal.AppendAsync(new LeaderElected(options.Value.InstanceName) { At = clock.GetUtcNow() }, term.Token);
        _term = new LeaderTerm(epoch, term.Token);
        IsLeader.Set(1);
        logger.LogInformation("This replica ({Instance}) leads the Scaler from epoch {Epoch}", options.Value.InstanceName, epoch);
        Changed?.Invoke();
        try
        {
            await Task.Delay(Timeout.Infinite, term.Token);
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("This replica lost the Scaler's leader lock (epoch {Epoch}): the broker connection ended", epoch);
            }
        }
        finally
        {
            _term = null;
            IsLeader.Set(0);
            Changed?.Invoke();
        }
    }
}
