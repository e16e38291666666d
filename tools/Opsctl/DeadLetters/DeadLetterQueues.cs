using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PretixOps.Opsctl.DeadLetters;

/// <summary>
/// The dead-letter queues on one broker: depths from the management API (it is the one place that lists queues),
/// messages over AMQP. Reading takes messages without acknowledging them; whatever is not removed returns to its
/// queue when the channel closes, so looking never loses anything.
/// </summary>
public sealed class DeadLetterQueues : IAsyncDisposable
{
    public const int BatchSize = 500;

    private const int ReadAhead = 1_000;

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    /// <summary>How long a copy into a quorum queue may wait for the broker's confirm.</summary>
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly OpsctlSettings _settings;
    private IConnection? _connection;

    public DeadLetterQueues(OpsctlSettings settings) => _settings = settings;

    public static bool IsDeadLetterQueue(string name) =>
        name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal);

    public static string InputQueueOf(string queue) =>
        queue.EndsWith("_error", StringComparison.Ordinal) ? queue[..^"_error".Length]
        : queue.EndsWith("_skipped", StringComparison.Ordinal) ? queue[..^"_skipped".Length]
        : queue;

    /// <summary>Every <c>*_error</c> and <c>*_skipped</c> queue (the management API lists them) with its depth.</summary>
    public async Task<IReadOnlyList<(string Name, long Messages)>> ListAsync(CancellationToken cancellationToken)
    {
        using var http = Management();
        JsonElement queues;
        try
        {
            queues = await http.GetFromJsonAsync<JsonElement>(
                $"api/queues/{Uri.EscapeDataString(_settings.VirtualHost)}?columns=name,messages", cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new OpsctlException($"the management API at {_settings.Management} did not list the queues: {_settings.Trust.Describe(e)}", e);
        }
        var names = queues.EnumerateArray().Select(q => q.GetProperty("name").GetString() ?? "").Where(IsDeadLetterQueue)
            .Order(StringComparer.Ordinal).ToList();
        // The management API's counts lag by seconds; the depths come from the broker itself.
        var depths = new List<(string, long)>();
        foreach (var name in names)
        {
            await using var channel = await OpenChannelAsync(confirms: false, cancellationToken);
            depths.Add((name, await DepthAsync(channel, name, cancellationToken)));
        }
        return depths;
    }

    /// <summary>Up to <paramref name="limit"/> messages from the head of the queue, left where they are.</summary>
    public async Task<IReadOnlyList<DeadLetter>> PeekAsync(string queue, int limit, CancellationToken cancellationToken)
    {
        await using var channel = await OpenChannelAsync(confirms: false, cancellationToken);
        var depth = await DepthAsync(channel, queue, cancellationToken);
        var letters = new List<DeadLetter>();
        await foreach (var letter in ReadAsync(channel, queue, Math.Min(limit, depth), cancellationToken))
        {
            letters.Add(letter);
        }
        await channel.CloseAsync(CancellationToken.None);
        return letters;
    }

    /// <summary>
    /// Moves the selected messages, a batch at a time, each batch in one AMQP transaction: the copies are published and
    /// the originals removed by one commit, which the broker confirms. Killed before the commit, nothing of the batch
    /// happened (the originals return to the queue); after it, all of it did. A re-run therefore finds every message in
    /// exactly one place and moves only what is left. On Ctrl+C the batch in flight is committed, then it stops.
    /// Into a quorum queue each copy is confirmed first and its original removed by a commit of its own
    /// (<see cref="Destination.Quorum"/>): at least once, and at most the one message in flight twice.
    /// </summary>
    public async Task<MoveResult> MoveAsync(string queue, Selection selection, MoveTarget target, double? ratePerSecond, bool dryRun,
        Action<int, int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        await using var channel = await OpenChannelAsync(confirms: false, cancellationToken);
        var depth = await DepthAsync(channel, queue, cancellationToken);
        var archive = queue + "_archive";
        if (target == MoveTarget.Archive && !dryRun)
        {
            await channel.QueueDeclareAsync(archive, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        }
        using var exclusive = dryRun ? null : MoveLock.Take(_settings.StateDirectory, queue);
        await channel.TxSelectAsync(cancellationToken);
        var pacing = ratePerSecond is > 0 ? TimeSpan.FromSeconds(1 / ratePerSecond.Value) : TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var destinations = new Dictionary<string, Destination>(StringComparer.Ordinal);
        IChannel? confirmed = null;
        int scanned = 0, selected = 0, moved = 0;
        var batch = new List<DeadLetter>(BatchSize);
        try
        {
            await foreach (var letter in ReadAsync(channel, queue, depth, cancellationToken))
            {
                scanned++;
                if (!selection.Matches(letter))
                {
                    continue; // unacknowledged: back in its place when the channel closes
                }
                selected++;
                if (dryRun)
                {
                    continue;
                }
                batch.Add(letter);
                if (batch.Count == BatchSize || pacing > TimeSpan.Zero)
                {
                    moved += await CommitAsync();
                }
                progress?.Invoke(scanned, depth);
            }
            moved += await CommitAsync();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            moved += await CommitAsync();
        }
        finally
        {
            if (confirmed is not null)
            {
                await confirmed.DisposeAsync();
            }
        }
        progress?.Invoke(scanned, depth);
        await channel.CloseAsync(CancellationToken.None);
        return new MoveResult(scanned, selected, moved, cancellationToken.IsCancellationRequested);

        async Task<int> CommitAsync()
        {
            if (batch.Count == 0)
            {
                return 0;
            }
            // Taken out first: a commit that fails is never attempted again with the same deliveries.
            var pending = batch.ToList();
            batch.Clear();
            var targets = pending.Select(l => target == MoveTarget.Replay ? l.InputQueue : archive).Distinct(StringComparer.Ordinal).ToList();
            foreach (var destination in targets)
            {
                if (!destinations.ContainsKey(destination))
                {
                    destinations[destination] = await EnsureSafeDestinationAsync(destination);
                }
                // A publish to a queue that is not there would vanish inside the transaction: checked before each commit.
                await using var check = await OpenChannelAsync(confirms: false, CancellationToken.None);
                await DepthAsync(check, destination, CancellationToken.None);
            }
            foreach (var letter in pending)
            {
                var destination = target == MoveTarget.Replay ? letter.InputQueue : archive;
                if (pacing > TimeSpan.Zero && pacing * (moved + 1) - clock.Elapsed is { } due && due > TimeSpan.Zero)
                {
                    await Task.Delay(due, CancellationToken.None);
                }
                if (destinations[destination] == Destination.Quorum)
                {
                    // Accepted by a majority of the queue's replicas, then the original removed by a commit of its own:
                    // a failure between the two can leave this one message in both queues, never more. A broker that
                    // holds the confirm back (a queue without a majority) fails the move instead of hanging it.
                    confirmed ??= await OpenChannelAsync(confirms: true, CancellationToken.None);
                    using (var bound = new CancellationTokenSource(ConfirmTimeout))
                    {
                        try
                        {
                            await confirmed.BasicPublishAsync("", destination, mandatory: true, Properties(letter, target), letter.Body, bound.Token);
                        }
                        catch (OperationCanceledException e) when (bound.IsCancellationRequested)
                        {
                            throw new OpsctlException($"queue '{destination}' did not confirm a copy within {ConfirmTimeout.TotalSeconds:N0} s " +
                                "(a quorum queue without a majority?): the move stopped there; run it again when the cluster is whole.", e);
                        }
                    }
                    await channel.BasicAckAsync(letter.DeliveryTag, multiple: false, CancellationToken.None);
                    await channel.TxCommitAsync(CancellationToken.None);
                }
                else
                {
                    await channel.BasicPublishAsync("", destination, mandatory: false, Properties(letter, target), letter.Body, CancellationToken.None);
                    await channel.BasicAckAsync(letter.DeliveryTag, multiple: false, CancellationToken.None);
                }
            }
            // The batch is committed even after Ctrl+C: then it stops.
            await channel.TxCommitAsync(CancellationToken.None);
            return pending.Count;
        }
    }

    /// <summary>How a copy reaches its destination safely.</summary>
    private enum Destination
    {
        /// <summary>A classic queue without limits always accepts: the copy is published inside the transaction.</summary>
        Classic,

        /// <summary>
        /// A quorum queue (what a clustered deployment uses) may refuse while it has no leader, and RabbitMQ applies a
        /// commit's acknowledgements before the destination has accepted the copies. So the copy is published on a
        /// channel with publisher confirms, and the original is removed by the commit only once a majority of the
        /// queue's replicas hold the copy. Killed between the two, a re-run replays that message again: at least
        /// once, with the same message id, which every PretixOps consumer recognises.
        /// </summary>
        Quorum,
    }

    /// <summary>
    /// Only a destination that cannot silently drop a copy: a queue with a length limit, an overflow rule or a
    /// TTL could, so opsctl does not move into one.
    /// </summary>
    private async Task<Destination> EnsureSafeDestinationAsync(string destination)
    {
        using var http = Management();
        JsonElement queue;
        try
        {
            queue = await http.GetFromJsonAsync<JsonElement>(
                $"api/queues/{Uri.EscapeDataString(_settings.VirtualHost)}/{Uri.EscapeDataString(destination)}");
        }
        catch (HttpRequestException e)
        {
            throw new OpsctlException($"the management API did not describe queue '{destination}': {_settings.Trust.Describe(e)}", e);
        }
        var arguments = queue.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Object
            ? a.EnumerateObject().Select(p => p.Name).ToList() : [];
        var type = queue.TryGetProperty("type", out var t) ? t.GetString() : "classic";
        var limits = arguments.Where(n => n is "x-max-length" or "x-max-length-bytes" or "x-overflow" or "x-message-ttl").ToList();
        if (type is not ("classic" or "quorum") || limits.Count > 0)
        {
            throw new OpsctlException($"queue '{destination}' is a {type} queue{(limits.Count > 0 ? " with " + string.Join(", ", limits) : "")}: " +
                "a move into it could lose messages, so opsctl does not make it. Use the management UI's shovel, which copies at least once.");
        }
        return type == "quorum" ? Destination.Quorum : Destination.Classic;
    }

    /// <summary>Deletes the selected messages; the rest stay where they were.</summary>
    public async Task<(int Scanned, int Deleted)> PurgeAsync(string queue, Selection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        await using var channel = await OpenChannelAsync(confirms: false, cancellationToken);
        var depth = await DepthAsync(channel, queue, cancellationToken);
        int scanned = 0, deleted = 0;
        await foreach (var letter in ReadAsync(channel, queue, depth, cancellationToken))
        {
            scanned++;
            if (selection.Matches(letter))
            {
                await channel.BasicAckAsync(letter.DeliveryTag, multiple: false, CancellationToken.None);
                deleted++;
            }
        }
        await channel.CloseAsync(CancellationToken.None);
        return (scanned, deleted);
    }

    /// <summary>
    /// Up to <paramref name="count"/> messages from the head of the queue, unacknowledged, through one consumer: the
    /// broker streams them, at most <paramref name="count"/> (and 65,535) ahead, instead of one round trip each.
    /// Ends early when nothing arrives for <see cref="Idle"/> (another consumer holds the rest).
    /// </summary>
    private static async IAsyncEnumerable<DeadLetter> ReadAsync(IChannel channel, string queue, int count,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            yield break;
        }
        var buffer = System.Threading.Channels.Channel.CreateBounded<DeadLetter>(ReadAhead);
        using var stop = new CancellationTokenSource();
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            try
            {
                await buffer.Writer.WriteAsync(DeadLetter.From(queue, delivery.DeliveryTag, delivery.BasicProperties, delivery.Body), stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Reading has stopped: this delivery stays unacknowledged and returns to the queue with the channel.
            }
        };
        // The broker holds back what is beyond the prefetch; unacknowledged messages count against it, so a move that
        // skips more than this many unselected messages ends its pass there (and says how many it read).
        await channel.BasicQosAsync(0, (ushort)Math.Min(count, ushort.MaxValue), false, cancellationToken);
        string? tag = null;
        try
        {
            tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
            for (var read = 0; read < count && !cancellationToken.IsCancellationRequested; read++)
            {
                DeadLetter letter;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    idle.CancelAfter(Idle);
                    try
                    {
                        letter = await buffer.Reader.ReadAsync(idle.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        yield break;
                    }
                }
                yield return letter;
            }
        }
        finally
        {
            // Deliveries already on their way stay unacknowledged and return to the queue with the channel.
            await stop.CancelAsync();
            if (tag is not null && channel.IsOpen)
            {
                await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None);
            }
            buffer.Writer.TryComplete();
            while (buffer.Reader.TryRead(out _))
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }
    }

    /// <summary>The management API, with the broker user's credentials.</summary>
    private HttpClient Management()
    {
        var http = new HttpClient(_settings.Trust.Handler()) { BaseAddress = _settings.Management, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_settings.Username}:{_settings.Password}")));
        return http;
    }

    /// <summary>The message as it was sent: same id, body and properties; without the fault headers when replayed.</summary>
    private static BasicProperties Properties(DeadLetter letter, MoveTarget target)
    {
        var properties = new BasicProperties(letter.Properties)
        {
            Persistent = true,
            Headers = target == MoveTarget.Replay
                ? FaultHeaders.Strip(letter.Properties.Headers)
                : new Dictionary<string, object?>(letter.Properties.Headers ?? new Dictionary<string, object?>())
                {
                    ["opsctl-archived-from"] = letter.Queue,
                    ["opsctl-archived-at"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                },
        };
        return properties;
    }

    private static async Task<int> DepthAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return (int)Math.Min(int.MaxValue, (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount);
        }
        catch (OperationInterruptedException e)
        {
            throw new OpsctlException(e.ShutdownReason?.ReplyCode == 404
                ? $"queue '{queue}' does not exist."
                : $"the broker refused to look at queue '{queue}': {e.ShutdownReason?.ReplyText ?? e.Message}", e);
        }
    }

    private async Task<IChannel> OpenChannelAsync(bool confirms, CancellationToken cancellationToken)
    {
        _connection ??= await _settings.ConnectAsync(cancellationToken);
        return await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms),
            cancellationToken);
    }
}
