using System.Net;
using System.Text;
using System.Text.Json;

namespace PretixOps.Benchmarks;

/// <summary>
/// A RabbitMQ virtual host of one Scaler benchmark's own on the local broker, deleted with all it holds at the end.
/// Every Scaler takes its signals from the one queue <c>scaler</c>, with a single active consumer: on the default
/// virtual host a Scaler already there (`make up`'s, a test's) would be the active one and take the benchmark's
/// alerts, while the benchmark's Scaler waited as its standby.
/// </summary>
internal sealed class BenchBroker : IAsyncDisposable
{
    private readonly HttpClient _management;

    private BenchBroker(HttpClient management, string virtualHost)
    {
        _management = management;
        VirtualHost = virtualHost;
    }

    public string VirtualHost { get; }

    public static async Task<BenchBroker> CreateAsync()
    {
        var management = Machine.Management();
        var broker = new BenchBroker(management, $"pretixops-bench-{Guid.NewGuid():N}"[..24]);
        var vhost = Uri.EscapeDataString(broker.VirtualHost);
        await broker.PutAsync($"vhosts/{vhost}", "{}");
        await broker.PutAsync($"permissions/{vhost}/{Uri.EscapeDataString(Machine.Infra["PRETIXOPS_RABBITMQ_USER"])}",
            """{"configure":".*","write":".*","read":".*"}""");
        return broker;
    }

    /// <summary>A journal stream name no other Scaler uses.</summary>
    public static string NewJournal() => $"scaler-journal-bench-{Guid.NewGuid():N}"[..29];

    /// <summary>
    /// A queue's messages (ready and unacknowledged; a stream's entries) as the management API counts them, refreshed
    /// every few seconds; null when there is no such queue or no count yet.
    /// </summary>
    public async Task<long?> MessagesAsync(string queue)
    {
        using var response = await _management.GetAsync(QueuePath(queue));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number ? messages.GetInt64() : null;
    }

    /// <summary>A Scaler's journal outlives the Scaler: it is deleted by name (DELETE /api/queues/vhost/name).</summary>
    public async Task DeleteQueueAsync(string queue)
    {
        using var response = await _management.DeleteAsync(QueuePath(queue));
    }

    public async ValueTask DisposeAsync()
    {
        using (await _management.DeleteAsync(new Uri($"vhosts/{Uri.EscapeDataString(VirtualHost)}", UriKind.Relative)))
        {
        }

        _management.Dispose();
    }

    private Uri QueuePath(string queue) =>
        new($"queues/{Uri.EscapeDataString(VirtualHost)}/{Uri.EscapeDataString(queue)}", UriKind.Relative);

    private async Task PutAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _management.PutAsync(new Uri(path, UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
    }
}
