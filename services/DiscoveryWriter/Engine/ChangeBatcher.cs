using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// Holds the changes waiting for the engine and hands them over in batches: a burst becomes one write, and a batch is never held
/// longer than <see cref="DiscoveryOptions.CoalesceDelay"/> nor grows past <see cref="DiscoveryOptions.MaxBatch"/>.
/// </summary>
public sealed class ChangeBatcher(IOptions<DiscoveryOptions> options)
{
    private readonly Channel<PendingChange> _changes = Channel.CreateUnbounded<PendingChange>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a change and completes once it is saved to disk: acknowledge the message only then.</summary>
    public async Task SubmitAsync(object change, CancellationToken cancellationToken)
    {
        var pending = new PendingChange(change);
        await _changes.Writer.WriteAsync(pending, cancellationToken);
        await pending.Done.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the first change (or a tick), then gathers what else arrives within the coalescing delay.</summary>
    public async Task<List<PendingChange>> NextBatchAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var batch = new List<PendingChange>();
        using (var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            tick.CancelAfter(settings.TickInterval);
            try
            {
                batch.Add(await _changes.Reader.ReadAsync(tick.Token));
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return batch;
            }
        }

        // Batching runs on real time; the injected clock is for the registry's own times (expiry).
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.CoalesceDelay.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < settings.MaxBatch)
        {
            while (batch.Count < settings.MaxBatch && _changes.Reader.TryRead(out var more))
            {
                batch.Add(more);
            }

            var left = deadline - Stopwatch.GetTimestamp();
            if (batch.Count >= settings.MaxBatch || left <= 0)
            {
                break;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            try
            {
                await _changes.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        return batch;
    }
}
