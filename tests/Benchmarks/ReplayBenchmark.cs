using System.Diagnostics;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace PretixOps.Benchmarks;

/// <summary>
/// opsctl's replay of 10,000 dead letters beside the RabbitMQ management plugin's own "Move messages" (a dynamic
/// shovel with ack-mode on-confirm, as the UI creates it), on the same broker in the same run. Both move the same
/// messages from <c>&lt;queue&gt;_error</c> to <c>&lt;queue&gt;</c>; depths are read over AMQP (the management API's
/// counts lag by seconds). opsctl also strips the fault headers; the shovel copies as is.
/// </summary>
internal static class ReplayBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args is ["--messages", var n, ..] ? int.Parse(n, CultureInfo.InvariantCulture) : 10_000;
        var queue = $"bench-replay-{Guid.NewGuid():N}"[..20];
        var error = queue + "_error";
        var factory = new ConnectionFactory
        {
            HostName = Machine.Infra["PRETIXOPS_RABBITMQ_HOST"],
            Port = int.Parse(Machine.Infra["PRETIXOPS_RABBITMQ_PORT"], CultureInfo.InvariantCulture),
            UserName = Machine.Infra["PRETIXOPS_RABBITMQ_USER"],
            Password = (await File.ReadAllTextAsync(Machine.Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"])).Trim(),
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var state = Directory.CreateTempSubdirectory("bench-opsctl-").FullName;
        try
        {
            foreach (var name in new[] { queue, error })
            {
                await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false);
            }

            await FillAsync(channel, error, count);
            var opsctl = Stopwatch.StartNew();
            var result = await RunOpsctlAsync(state, error);
            opsctl.Stop();
            if (result.ExitCode != 0)
            {
                // Waiting for a queue that opsctl did not empty would wait for ever.
                await Console.Error.WriteLineAsync($"opsctl failed ({result.ExitCode}): {result.Output}");
                return 1;
            }
            await WaitForAsync(channel, error, 0);
            var movedByOpsctl = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
            await channel.QueuePurgeAsync(queue);

            await FillAsync(channel, error, count);
            var shovel = Stopwatch.StartNew();
            await MoveWithShovelAsync(error, queue);
            await WaitForAsync(channel, error, 0);
            await WaitForAsync(channel, queue, (uint)count);
            shovel.Stop();

            var ours = count / opsctl.Elapsed.TotalSeconds;
            var theirs = count / shovel.Elapsed.TotalSeconds;
            var report = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"## Replay of {count:N0} dead letters: opsctl beside the management plugin's \"Move messages\"")
                .AppendLine()
                .AppendLine("| measure | opsctl dlq replay --all | management \"Move messages\" (shovel) | ratio |")
                .AppendLine("| --- | ---: | ---: | ---: |")
                .AppendLine(CultureInfo.InvariantCulture, $"| messages/s | {ours:N0} | {theirs:N0} | {ours / theirs:P0} |")
                .AppendLine(CultureInfo.InvariantCulture, $"| seconds for all | {opsctl.Elapsed.TotalSeconds:N2} | {shovel.Elapsed.TotalSeconds:N2} | |")
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"- opsctl moved {movedByOpsctl:N0} (exit {result.ExitCode}); its time includes starting the process.")
                .AppendLine("- opsctl: one consumer reading ahead 1,000; batches of 500, each published and removed in one AMQP transaction; fault headers stripped.")
                .AppendLine("- shovel: prefetch 1000, ack-mode on-confirm, deletes itself after the queue length; headers copied as they are.");
            var output = Path.Combine(Machine.Root, ".local", "bench");
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "replay.md"), report.ToString());
            Console.WriteLine(report);
            return result.ExitCode;
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(error);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Dead letters as MassTransit leaves them: an envelope body and the fault and host headers.</summary>
    private static async Task FillAsync(IChannel channel, string error, int count)
    {
        var body = Encoding.UTF8.GetBytes("""{"messageId":"x","messageType":["urn:message:PretixOps.Contracts:AlertFired"],"message":{"alertId":"alertmanager:abc:1","name":"PretixWebHighLatency","labels":{"service":"pretix_web"}}}""");
        var publishes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var properties = new BasicProperties
            {
                MessageId = Guid.NewGuid().ToString(),
                ContentType = "application/vnd.masstransit+json",
                Persistent = true,
                Headers = new Dictionary<string, object?>
                {
                    ["MT-Reason"] = "fault",
                    ["MT-Fault-ExceptionType"] = "System.InvalidOperationException",
                    ["MT-Fault-Message"] = "bench",
                    ["MT-Fault-Timestamp"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    ["MT-Fault-InputAddress"] = $"rabbitmq://localhost/{error[..^"_error".Length]}",
                    ["MT-Host-MachineName"] = Environment.MachineName,
                },
            };
            publishes.Add(channel.BasicPublishAsync("", error, mandatory: true, properties, body).AsTask());
            if (publishes.Count == 500)
            {
                await Task.WhenAll(publishes);
                publishes.Clear();
            }
        }
        await Task.WhenAll(publishes);
    }

    private static async Task<(int ExitCode, string Output)> RunOpsctlAsync(string state, string error)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(Machine.Root, "tools", "Opsctl", "bin", "Release", "net10.0", "PretixOps.Opsctl.dll"), "dlq", "replay", error, "--all" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["OPSCTL_BROKER"] = $"amqp://{Machine.Infra["PRETIXOPS_RABBITMQ_USER"]}@{Machine.Infra["PRETIXOPS_RABBITMQ_HOST"]}:{Machine.Infra["PRETIXOPS_RABBITMQ_PORT"]}/";
        start.Environment["OPSCTL_PASSWORD_FILE"] = Machine.Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"];
        // opsctl checks each destination through the management API before it commits a move.
        start.Environment["OPSCTL_MANAGEMENT"] = $"http://{Machine.Infra["PRETIXOPS_RABBITMQ_HOST"]}:{Machine.Infra["PRETIXOPS_RABBITMQ_MGMT_PORT"]}/";
        start.Environment["OPSCTL_STATE_DIR"] = state;
        start.Environment["XDG_CONFIG_HOME"] = state; // not the operator's config that `make up` installs
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>What the management UI's "Move messages" button sends.</summary>
    private static async Task MoveWithShovelAsync(string from, string to)
    {
        using var management = Machine.Management();
        using var response = await management.PutAsJsonAsync(new Uri($"parameters/shovel/%2F/{Uri.EscapeDataString("Move from " + from)}", UriKind.Relative), new
        {
            component = "shovel",
            vhost = "/",
            name = "Move from " + from,
            value = new Dictionary<string, object>
            {
                ["src-uri"] = "amqp:///%2F",
                ["src-queue"] = from,
                ["src-protocol"] = "amqp091",
                ["src-prefetch-count"] = 1000,
                ["src-delete-after"] = "queue-length",
                ["dest-protocol"] = "amqp091",
                ["dest-uri"] = "amqp:///%2F",
                ["dest-add-forward-headers"] = false,
                ["ack-mode"] = "on-confirm",
                ["dest-queue"] = to,
            },
        });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the shovel was refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}; " +
                "is rabbitmq_shovel_management enabled (deploy/local/infra.sh enables it)?");
        }
    }

    private static async Task WaitForAsync(IChannel channel, string queue, uint depth)
    {
        while ((await channel.QueueDeclarePassiveAsync(queue)).MessageCount != depth)
        {
            await Task.Delay(20);
        }
    }
}
