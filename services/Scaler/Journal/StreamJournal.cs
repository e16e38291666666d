using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;
using PretixOps.ServiceDefaults;
using Prometheus;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// The controller's journal: a RabbitMQ stream (replicated by the broker's cluster, kept for
/// <c>Scaler:Retention</c>) that every Scaler replica reads from its first entry and keeps following, folding each
/// entry into <see cref="ControllerState"/>. An append completes once the broker confirmed the entry and this replica
/// has read it back: what an append returns is durable and already part of the state. A replica that loses the
/// broker reconnects and goes on from the entry after the last it applied.
/// </summary>
public sealed class StreamJournal(
    IOptions<MessagingOptions> messaging,
    IOptions<ScalerOptions> options,
    ControllerState state,
    TimeProvider clock,
    ILogger<StreamJournal> logger) : BackgroundService, IJournal
{
    private static readonly Gauge ConnectedGauge = Metrics.CreateGauge(
        "pretixops_scaler_journal_connected", "1 while this replica follows the journal stream.");

    private static readonly Counter EntriesApplied = Metrics.CreateCounter(
        "pretixops_scaler_journal_entries_total", "Journal entries read and applied, by type.", "type");

    private static readonly Histogram AppendSeconds = Metrics.CreateHistogram(
        "pretixops_scaler_journal_append_seconds", "From an append to the entry read back from the stream, confirmed.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> _waiters = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Session? _session;

    /// <summary>What the journal says: the controller's state as of the last entry read.</summary>
    public ControllerState State => state;

    public string Stream => options.Value.Journal.Stream;

    public bool Connected => _session is not null;

    /// <summary>True once this replica read back its own first entry: everything written before it start is applied.</summary>
    public bool CaughtUp => _caughtUp.Task.IsCompleted;

    public Task WhenCaughtUp(CancellationToken cancellationToken) => _caughtUp.Task.WaitAsync(cancellationToken);

    /// <summary>The connection of the current session and a token that ends with it (the leader lock lives on it).</summary>
    public (IConnection Connection, CancellationToken Lost)? Current => _session is { } s ? (s.Connection, s.Lost) : null;

    /// <summary>Raised after each entry is applied, with the service it concerned (null: none in particular).</summary>
    public event Action<JournalEntry, string?>? Applied;

    /// <summary>Appends an entry and returns its offset once it is confirmed by the broker and applied here.</summary>
    /// <exception cref="JournalUnavailableException">The broker is not reachable, refused the entry, or it did not come back in time.</exception>
    public async Task<long> AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry = entry.Traced();
        var session = _session ?? throw new JournalUnavailableException("the journal is not connected to the broker.");
        var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[entry.Id] = waiter;
        var started = clock.GetTimestamp();
        try
        {
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json", MessageId = entry.Id.ToString() };
            await session.Publish.BasicPublishAsync(Stream, "", mandatory: true, properties, entry.Serialize(), cancellationToken);
            var offset = await waiter.Task.WaitAsync(options.Value.Journal.AppendTimeout, clock, cancellationToken);
            AppendSeconds.Observe(clock.GetElapsedTime(started).TotalSeconds);
            return offset;
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or PublishException or TimeoutException
                                      or IOException or ObjectDisposedException)
        {
            throw new JournalUnavailableException($"the journal did not take the entry: {e.Message}", e);
        }
        finally
        {
            _waiters.TryRemove(entry.Id, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = messaging.Value;
        var factory = new ConnectionFactory
        {
            VirtualHost = settings.VirtualHost,
            UserName = settings.Username,
            Password = settings.ResolvePassword(),
            RequestedHeartbeat = settings.Heartbeat,
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = $"scaler-journal-{options.Value.InstanceName}",
        };
        // Over amqps like the bus when Messaging:UseTls is set: a broker with no plain listener has nothing else.
        var ssl = MessagingExtensions.BrokerSsl(settings, logger);
        var endpoints = settings.Nodes().Select(n => new AmqpTcpEndpoint(n.Host, n.Port, ssl)).ToList();
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A session that connected starts the next attempt's backoff afresh: a broker that comes back after a
                // restart is followed again within a second, not after the longest wait.
                await RunSessionAsync(factory, endpoints, () => backoff = TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException
                                          or JournalUnavailableException or IOException or TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Journal stream {Stream} unavailable, retrying in {Backoff}: {Reason}", Stream, backoff, e.Message);
            }

            await Task.Delay(backoff, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private async Task RunSessionAsync(ConnectionFactory factory, IList<AmqpTcpEndpoint> endpoints, Action connected, CancellationToken stoppingToken)
    {
        await using var connection = await factory.CreateConnectionAsync(endpoints, stoppingToken);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            lost.Cancel();
            return Task.CompletedTask;
        };
        await DeclareAsync(connection, stoppingToken);

        await using var publish = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken);
        await using var consume = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await consume.BasicQosAsync(0, 500, false, stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(consume, delivery);
        // The broker cancels the consumer when the stream is deleted or its leader moves: read again from where we were.
        consumer.UnregisteredAsync += (_, _) =>
        {
            lost.Cancel();
            return Task.CompletedTask;
        };
        // From the first entry on a fresh replica; after a reconnect, from the one after the last applied.
        object from = state.LastOffset >= 0 ? state.LastOffset + 1 : "first";
        await consume.BasicConsumeAsync(Stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = from }, consumer, stoppingToken);

        _session = new Session(connection, publish, lost.Token);
        ConnectedGauge.Set(1);
        connected();
        try
        {
            // Reading our own entry back proves everything before it was read.
            await AppendAsync(new ReplicaStarted(options.Value.InstanceName) { At = clock.GetUtcNow() }, lost.Token);
            if (_caughtUp.TrySetResult())
            {
                logger.LogInformation("Journal {Stream} read: {Entries} entries up to offset {Offset}", Stream, state.EntriesApplied, state.LastOffset);
            }

            await Task.Delay(Timeout.Infinite, lost.Token);
        }
        finally
        {
            _session = null;
            ConnectedGauge.Set(0);
            foreach (var waiter in _waiters.Values)
            {
                waiter.TrySetException(new JournalUnavailableException("the broker connection was lost."));
            }
        }
    }

    /// <summary>
    /// Declares the stream. Its arguments are fixed by the first declaration: one declared with another retention is
    /// used as it is (change it with a RabbitMQ policy, <c>max-age</c>), and said so.
    /// </summary>
    private async Task DeclareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "stream",
            ["x-max-age"] = $"{(long)options.Value.Retention.TotalSeconds}s",
            // Retention drops whole segments: small ones let it follow the age closely.
            ["x-stream-max-segment-size-bytes"] = 8_000_000,
        };
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(Stream, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 406)
        {
            logger.LogWarning("Journal stream {Stream} exists with other arguments ({Reason}); using it as it is", Stream, e.ShutdownReason.ReplyText);
            await using var passive = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await passive.QueueDeclarePassiveAsync(Stream, cancellationToken);
        }

        // Entries go through an exchange of the stream's name, not the default exchange: a broker user that may write
        // to the default exchange may write to every queue, and the Scaler's may write only to what is its own.
        await using var binding = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await binding.ExchangeDeclareAsync(Stream, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await binding.QueueBindAsync(Stream, Stream, "", cancellationToken: cancellationToken);
    }

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var offset = delivery.BasicProperties.Headers?.TryGetValue("x-stream-offset", out var header) == true && header is long value ? value : -1;
        // A consumer that starts inside a chunk is given the chunk's earlier entries too: skip what was applied.
        if (offset > state.LastOffset)
        {
            var entry = JournalEntry.Deserialize(delivery.Body.Span);
            string? service = null;
            if (entry is null)
            {
                logger.LogWarning("Journal entry at offset {Offset} is of a kind this version does not know; skipped", offset);
                state.Skip(offset);
            }
            else
            {
                try
                {
                    service = state.Apply(entry, offset);
                }
#pragma warning disable CA1031 // one entry this replica cannot fold in must not stop it from following the journal
                catch (Exception e)
#pragma warning restore CA1031
                {
                    logger.LogError(e, "Journal entry {Type} at offset {Offset} could not be applied; skipped", entry.GetType().Name, offset);
                    state.Skip(offset);
                }

                EntriesApplied.WithLabels(entry.GetType().Name).Inc();
                if (_waiters.TryGetValue(entry.Id, out var waiter))
                {
                    waiter.TrySetResult(offset);
                }

                Applied?.Invoke(entry, service);
            }
        }

        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }

    private sealed record Session(IConnection Connection, IChannel Publish, CancellationToken Lost);
}
