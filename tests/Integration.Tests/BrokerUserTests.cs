using System.Net.Http.Json;
using System.Text.Json;
using PretixOps.TestSupport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace PretixOps.Integration.Tests;

/// <summary>
/// One broker user per service, with the permissions deploy/rabbitmq/definitions.json gives it, on the real RabbitMQ: the
/// whole loop runs with each service connected as its own user, and each user is refused what is not its own.
/// </summary>
public sealed class BrokerUserTests(BrokerUsers users) : IClassFixture<BrokerUsers>
{
    private const ushort AccessRefused = 403;

    private static readonly string[] PermissionKinds = ["configure", "write", "read"];

    private static readonly Dictionary<string, string> UserOf = new(StringComparer.Ordinal)
    {
        ["Registration"] = "registration",
        ["DiscoveryWriter"] = "discovery-writer",
        ["SnmpPoller"] = "snmp-poller",
        ["AlertIngest"] = "alert-ingest",
        ["Scaler"] = "scaler",
    };

    [Fact]
    public void The_definitions_give_every_service_and_opsctl_a_user_of_its_own()
    {
        Assert.Equal(
            UserOf.Values.Append("opsctl").Order(StringComparer.Ordinal),
            users.Names.Order(StringComparer.Ordinal));
        // Every user has its permissions on the one virtual host, and none may do everything.
        var permissions = users.Loaded["permissions"]!.AsArray();
        Assert.All(users.Names, name => Assert.Single(permissions, p => p!["user"]!.GetValue<string>() == users.UserName(name)));
        Assert.All(permissions, p =>
        {
            Assert.Equal("/", p!["vhost"]!.GetValue<string>());
            Assert.All(PermissionKinds, kind => Assert.NotEqual(".*", p[kind]!.GetValue<string>()));
        });
    }

    [Fact]
    public async Task The_whole_loop_runs_with_each_service_connected_as_its_own_broker_user()
    {
        await using var loop = await Loop.StartAsync(extra: project => users.MessagingSettings(UserOf[project]));
        Assert.Equal(2, await loop.TargetsWhenAsync(2));

        // Each process is connected, and only as its own user.
        var connected = await Eventually.ValueAsync(ConnectionsByUserAsync,
            byUser => UserOf.Values.All(u => byUser.GetValueOrDefault(users.UserName(u)) > 0), TimeSpan.FromMinutes(1));
        Assert.All(UserOf.Values, u => Assert.True(connected.GetValueOrDefault(users.UserName(u)) > 0, $"{u} is not connected as {users.UserName(u)}"));

        // An alert takes a step (AlertIngest -> Scaler -> Docker), and the new task's registration reaches the file
        // (Registration -> DiscoveryWriter) and SnmpPoller.
        await loop.SetResponseTimeAsync(30);
        var decisions = await loop.DecisionsWhenAsync(d => Loop.Applied(d).Count == 1);
        var up = Loop.Applied(decisions)[0];
        Assert.Equal((2, 3), (up.From, up.To));
        Assert.Equal(await loop.AlertIdAsync(), up.Trigger);
        Assert.Equal(3UL, await loop.ReplicasWhenAsync(3));
        Assert.Equal(3, await loop.TargetsWhenAsync(3));
        var node = (await loop.Docker.Swarm.ListNodesAsync()).Single().Description.Hostname;
        Assert.Equal(1, await Eventually.ValueAsync(() => loop.Prometheus.ScalarAsync($"snmp_up{{host=\"{node}\"}}"), v => v == 1, TimeSpan.FromMinutes(2)));

        // Nothing any service tried was refused: its permissions cover all it does.
        foreach (var project in UserOf.Keys)
        {
            Assert.DoesNotContain(loop[project].Output, line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Opsctl_as_its_own_user_lists_shows_replays_archives_and_purges_dead_letters_and_reads_nothing_else()
    {
        var queue = $"itest-broker-{Guid.NewGuid():N}"[..24];
        var state = Directory.CreateTempSubdirectory("pretixops-opsctl-").FullName;
        var environment = Opsctl.Environment(state);
        environment["OPSCTL_BROKER"] = $"amqp://{users.UserName("opsctl")}@{Infrastructure.RabbitHost}:{Infrastructure.RabbitPort}/";
        environment["OPSCTL_PASSWORD_FILE"] = users.PasswordFile("opsctl");
        try
        {
            foreach (var name in new[] { queue, queue + "_error" })
            {
                await EnsureQueueAsync(name);
            }
            for (var i = 0; i < 3; i++)
            {
                await DeadLetterAsync(queue + "_error");
            }

            var list = await Opsctl.RunAsync(environment, "dlq", "list", "--json");
            Assert.True(list.ExitCode == 0, list.Output);
            Assert.Contains(queue + "_error", list.Output, StringComparison.Ordinal);
            var show = await Opsctl.RunAsync(environment, "dlq", "show", queue + "_error");
            Assert.True(show.ExitCode == 0, show.Output);
            Assert.Contains("boom", show.Output, StringComparison.Ordinal);
            foreach (var command in new[] { "replay", "archive" })
            {
                var moved = await Opsctl.RunAsync(environment, "dlq", command, queue + "_error", "--id", await FirstIdAsync(queue + "_error"));
                Assert.True(moved.ExitCode == 0, moved.Output);
            }
            var purged = await Opsctl.RunAsync(environment, "dlq", "purge", queue + "_error", "--all", "--yes");
            Assert.True(purged.ExitCode == 0, purged.Output);
            Assert.Equal((1, 1, 0), (await Opsctl.DepthAsync(queue), await Opsctl.DepthAsync(queue + "_error_archive"), await Opsctl.DepthAsync(queue + "_error")));

            // A service's own queue is not a dead letter: refused.
            var stolen = await Opsctl.RunAsync(environment, "dlq", "show", queue);
            Assert.NotEqual(0, stolen.ExitCode);
            Assert.Contains("ACCESS_REFUSED", stolen.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var name in new[] { queue, queue + "_error", queue + "_error_archive" })
            {
                await Infrastructure.DeleteQueueAsync(name);
            }
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// What each user may not do is refused by the broker (ACCESS_REFUSED, 403); the allowed rows are the same operations on
    /// the user's own resources, so the refusals are the permissions' doing, not the operations'.
    /// </summary>
    [Theory]
    [InlineData("registration", "consume", "scaler", false)]
    [InlineData("registration", "consume", "instance-registrations", true)]
    [InlineData("registration", "publish", "PretixOps.Contracts:ScaleService", false)]
    [InlineData("registration", "declare", "PretixOps.Contracts:AlertFired", false)]
    [InlineData("alert-ingest", "publish", "PretixOps.Contracts:InstanceRegistered", false)]
    [InlineData("alert-ingest", "consume", "scaler", false)]
    [InlineData("alert-ingest", "declare", "PretixOps.Contracts:AlertFired", true)]
    [InlineData("discovery-writer", "publish", "PretixOps.Contracts:AlertFired", false)]
    [InlineData("discovery-writer", "consume", "instance-registrations", false)]
    [InlineData("snmp-poller", "publish", "PretixOps.Contracts:InstanceRegistered", false)]
    [InlineData("snmp-poller", "consume", "registration_bus_0123456789abcdef0123456789abcdef", false)]
    [InlineData("scaler", "publish", "", false)]
    [InlineData("scaler", "consume", "instance-registrations", false)]
    [InlineData("opsctl", "consume", "scaler", false)]
    [InlineData("opsctl", "consume", "instance-registrations_error", true)]
    public async Task A_service_may_publish_and_consume_only_what_is_its_own(string user, string operation, string resource, bool allowed)
    {
        if (allowed && operation == "consume")
        {
            await EnsureQueueAsync(resource);
        }
        await using var connection = await users.ConnectAsync(user);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        Func<Task> attempt = operation switch
        {
            // Not acknowledged: whatever the consumer is given goes back to the queue when the channel closes.
            "consume" => async () => await channel.BasicCancelAsync(
                await channel.BasicConsumeAsync(resource, autoAck: false, new AsyncEventingBasicConsumer(channel))),
            // To the default exchange ("") with a queue's name as the routing key: straight into that queue.
            "publish" => async () => await channel.BasicPublishAsync(
                resource, resource == "" ? "instance-registrations" : "", mandatory: false, new BasicProperties(), "{}"u8.ToArray()),
            "declare" => async () => await channel.ExchangeDeclareAsync(resource, ExchangeType.Fanout, durable: true),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var refusal = await Record.ExceptionAsync(attempt);

        if (allowed)
        {
            Assert.Null(refusal);
        }
        else
        {
            var interrupted = Assert.IsAssignableFrom<OperationInterruptedException>(refusal);
            Assert.Equal(AccessRefused, interrupted.ShutdownReason?.ReplyCode);
            Assert.Contains("ACCESS_REFUSED", interrupted.ShutdownReason?.ReplyText, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A queue that an allowed row consumes from is there, as Registration declares it (a classic queue without arguments),
    /// whichever test ran first. A refused consume needs no queue: the broker checks the permission before it looks.
    /// </summary>
    private static async Task EnsureQueueAsync(string queue)
    {
        await using var admin = await AdminAsync();
        await using var channel = await admin.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            await using var declare = await admin.CreateChannelAsync();
            await declare.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }
    }

    /// <summary>A message as MassTransit leaves it in an error queue: a message id and the fault's reason.</summary>
    private static async Task DeadLetterAsync(string queue)
    {
        await using var admin = await AdminAsync();
        await using var channel = await admin.CreateChannelAsync();
        var properties = new BasicProperties
        {
            MessageId = Guid.NewGuid().ToString(),
            Headers = new Dictionary<string, object?> { ["MT-Fault-Message"] = "boom" },
        };
        await channel.BasicPublishAsync("", queue, mandatory: false, properties, "{}"u8.ToArray());
    }

    private static async Task<string> FirstIdAsync(string queue)
    {
        await using var admin = await AdminAsync();
        await using var channel = await admin.CreateChannelAsync();
        var message = await channel.BasicGetAsync(queue, autoAck: false) ?? throw new InvalidOperationException($"{queue} is empty");
        return message.BasicProperties.MessageId!;
    }

    private static async Task<IConnection> AdminAsync() => await new ConnectionFactory
    {
        HostName = Infrastructure.RabbitHost,
        Port = Infrastructure.RabbitPort,
        UserName = Infrastructure.RabbitUser,
        Password = (await File.ReadAllTextAsync(Infrastructure.RabbitPasswordFile)).Trim(),
    }.CreateConnectionAsync();

    private static async Task<Dictionary<string, int>> ConnectionsByUserAsync()
    {
        using var http = Infrastructure.Management();
        var connections = await http.GetFromJsonAsync<JsonElement>("connections?columns=user");
        return connections.EnumerateArray().GroupBy(c => c.GetProperty("user").GetString() ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }
}
