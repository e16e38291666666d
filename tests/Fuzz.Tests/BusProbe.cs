using System.Collections.Concurrent;
using System.Text;
using PretixOps.Integration.Tests;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PretixOps.Fuzz.Tests;

/// <summary>
/// The campaign's own AMQP connection: puts messages straight on the services' queues, captures the AlertFired events
/// AlertIngest publishes, and reads the dead-letter queues. Dead letters that are not this campaign's (the queues of
/// Registration and the Scaler are shared) are left unacknowledged, so the broker puts them back when the probe closes.
/// </summary>
internal sealed class BusProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _publish;
    private readonly IChannel _read;
    private IChannel? _dead;
    private readonly string _alerts = $"fuzz-alerts-{Guid.NewGuid():N}";
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    private BusProbe(IConnection connection, IChannel publish, IChannel read)
    {
        _connection = connection;
        _publish = publish;
        _read = read;
    }

    /// <summary>Alert names seen in AlertFired events.</summary>
    public ConcurrentDictionary<string, int> FiredNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Dead letters of this campaign by message id: the queue they are in, and the fault's reason.</summary>
    public ConcurrentDictionary<string, (string Queue, string? Reason)> DeadLetters { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, byte> Sent { get; } = new(StringComparer.Ordinal);

    public static async Task<BusProbe> StartAsync()
    {
        var factory = new ConnectionFactory
        {
            HostName = Infrastructure.RabbitHost,
            Port = Infrastructure.RabbitPort,
            UserName = Infrastructure.RabbitUser,
            Password = (await File.ReadAllTextAsync(Infrastructure.RabbitPasswordFile)).Trim(),
            ClientProvidedName = "pretixops-fuzz",
        };
        var connection = await factory.CreateConnectionAsync();
        var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var read = await connection.CreateChannelAsync();
        var probe = new BusProbe(connection, publish, read);
        // MassTransit's exchange for the type, declared as MassTransit declares it, in case AlertIngest has not published yet.
        const string exchange = "PretixOps.Contracts:AlertFired";
        await read.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await read.QueueDeclareAsync(probe._alerts, durable: false, exclusive: true, autoDelete: true);
        await read.QueueBindAsync(probe._alerts, exchange, "");
        var consumer = new AsyncEventingBasicConsumer(read);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var body = Encoding.UTF8.GetString(delivery.Body.Span);
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.GetProperty("message").TryGetProperty("name", out var name) && name.GetString() is { } text)
            {
                probe.FiredNames.AddOrUpdate(text, 1, (_, n) => n + 1);
            }
            return Task.CompletedTask;
        };
        await read.BasicConsumeAsync(probe._alerts, autoAck: true, consumer);
        return probe;
    }

    public async Task PublishAsync(BusCase message)
    {
        var properties = new BasicProperties
        {
            MessageId = message.MessageId,
            ContentType = message.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
        };
        Sent[message.MessageId] = 0;
        await _publish.BasicPublishAsync("", message.Queue, mandatory: false, properties, message.Body);
    }

    /// <summary>Starts reading <paramref name="queue"/> (an <c>_error</c> or <c>_skipped</c> queue) once it exists.</summary>
    public async Task<bool> WatchAsync(string queue)
    {
        if (_watched.Contains(queue))
        {
            return true;
        }
        // A passive declare of a missing queue closes the channel: ask on a channel of its own.
        await using (var check = await _connection.CreateChannelAsync())
        {
            try
            {
                await check.QueueDeclarePassiveAsync(queue);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return false;
            }
        }
        _watched.Add(queue);
        _dead ??= await _connection.CreateChannelAsync();
        var channel = _dead;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var id = delivery.BasicProperties.MessageId;
            if (id is null || !Sent.ContainsKey(id))
            {
                return; // not ours: unacknowledged, back in its queue when the probe closes
            }
            // A fault says why in MT-Fault-Message; a skipped message (a type nobody there consumes) only has MT-Reason.
            var reason = Header(delivery, "MT-Fault-Message") ?? Header(delivery, "MT-Reason");
            DeadLetters[id] = (queue, reason);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return true;
    }

    /// <summary>
    /// Stops reading the dead-letter queues: the others' dead letters this probe holds go back at once (the shared
    /// queues' are other tests' to see), and this campaign's own dead-letter queues are deleted.
    /// </summary>
    public async Task StopWatchingAsync(IEnumerable<string> ownQueues)
    {
        if (_dead is not null)
        {
            await _dead.CloseAsync();
            _dead.Dispose();
            _dead = null;
        }
        foreach (var queue in ownQueues)
        {
            await Infrastructure.DeleteQueueAsync(queue + "_error");
            await Infrastructure.DeleteQueueAsync(queue + "_skipped");
        }
    }

    private static string? Header(BasicDeliverEventArgs delivery, string name) =>
        delivery.BasicProperties.Headers?.TryGetValue(name, out var value) == true
            ? value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value?.ToString()
            : null;

    public async ValueTask DisposeAsync()
    {
        await StopWatchingAsync([]);
        await _read.CloseAsync();
        await _publish.CloseAsync();
        await _connection.CloseAsync();
        _read.Dispose();
        _publish.Dispose();
        _connection.Dispose();
    }
}
