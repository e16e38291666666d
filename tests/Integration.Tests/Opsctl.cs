using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>opsctl as an operator runs it: a process, configured through the environment, against the local broker.</summary>
internal static class Opsctl
{
    private static string Dll => RepositoryPaths.Combine("tools", "Opsctl", "bin", ServiceProcess.Configuration, "net10.0", "PretixOps.Opsctl.dll");

    public static Dictionary<string, string?> Environment(string stateDirectory) => new()
    {
        ["OPSCTL_BROKER"] = $"amqp://{Infrastructure.RabbitUser}@{Infrastructure.RabbitHost}:{Infrastructure.RabbitPort}/",
        ["OPSCTL_PASSWORD_FILE"] = Infrastructure.RabbitPasswordFile,
        ["OPSCTL_MANAGEMENT"] = $"http://{Infrastructure.RabbitHost}:{Infrastructure.RabbitManagementPort}/",
        ["OPSCTL_STATE_DIR"] = stateDirectory,
        ["OPSCTL_CONFIG"] = null,
        // Not the config `make up` installs for the operator: the test says every setting it means.
        ["XDG_CONFIG_HOME"] = stateDirectory,
    };

    public static Task<Cli.Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Cli.RunAsync("dotnet", [Dll, .. args], environment);

    /// <summary>Started and left running, for a test that kills it halfway.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Dll, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("opsctl did not start");
        process.OutputDataReceived += (_, e) => Record(process, e.Data);
        process.ErrorDataReceived += (_, e) => Record(process, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Collections.Concurrent.ConcurrentQueue<string>> Lines = [];

    /// <summary>What a process started with <see cref="Start"/> has printed so far, standard output and error together.</summary>
    public static IReadOnlyList<string> Printed(Process process) => [.. Lines.GetOrCreateValue(process)];

    private static void Record(Process process, string? line)
    {
        if (line is not null)
        {
            Lines.GetOrCreateValue(process).Enqueue(line);
        }
    }

    /// <summary>A queue's depth, exactly and now (AMQP; the management API's counts lag by seconds); 0 if it does not exist.</summary>
    public static async Task<long> DepthAsync(string queue)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = Infrastructure.RabbitHost,
            Port = Infrastructure.RabbitPort,
            UserName = Infrastructure.RabbitUser,
            Password = (await File.ReadAllTextAsync(Infrastructure.RabbitPasswordFile)).Trim(),
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    /// <summary>Every message id in a queue, read and put back (the management API's "get messages", requeue).</summary>
    public static async Task<List<string>> MessageIdsAsync(string queue)
    {
        using var management = Infrastructure.Management();
        using var response = await management.PostAsJsonAsync(new Uri($"queues/%2F/{Uri.EscapeDataString(queue)}/get", UriKind.Relative),
            new { count = 100_000, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100 });
        response.EnsureSuccessStatusCode();
        var messages = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. messages.EnumerateArray().Select(m => m.GetProperty("properties").GetProperty("message_id").GetString() ?? "")];
    }
}
