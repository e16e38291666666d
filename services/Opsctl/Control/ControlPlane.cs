using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PretixOps.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PretixOps.Opsctl.Control;

/// <summary>
/// The services' own interfaces: the Scaler's decision record and Registration's registry over HTTP (bearer token),
/// and <see cref="ScaleService"/> onto the Scaler's queue as MassTransit would send it.
/// </summary>
public sealed class ControlPlane(OpsctlSettings settings) : IDisposable
{
    /// <summary>The Scaler's queue for <see cref="ScaleService"/>.</summary>
    public const string ScalerQueue = "scaler";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<IReadOnlyList<ScaleDecisionRecorded>> DecisionsAsync(string? service, DateTimeOffset? since, string? outcome,
        CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add($"service={Uri.EscapeDataString(service)}");
        }
        if (since is { } from)
        {
            query.Add($"since={Uri.EscapeDataString(from.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}");
        }
        if (outcome is not null)
        {
            query.Add($"outcome={Uri.EscapeDataString(outcome)}");
        }
        return await GetAsync<List<ScaleDecisionRecorded>>(settings.Scaler, "v1/decisions" + (query.Count > 0 ? "?" + string.Join('&', query) : ""),
            "the Scaler", cancellationToken);
    }

    /// <summary>One entry of Registration's <c>GET /v1/instances</c>.</summary>
    public sealed record Instance(string InstanceId, string Service, int? Slot, string? TaskId, string? Node, string Address,
        IReadOnlyList<ExporterEndpoint> Exporters, IReadOnlyDictionary<string, string> Labels, int TtlSeconds, DateTimeOffset RegisteredAt,
        DateTimeOffset? ExpiresAt);

    public async Task<IReadOnlyList<Instance>> InstancesAsync(string? service, string? job, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add($"service={Uri.EscapeDataString(service)}");
        }
        if (job is not null)
        {
            query.Add($"job={Uri.EscapeDataString(job)}");
        }
        return await GetAsync<List<Instance>>(settings.Registration, "v1/instances" + (query.Count > 0 ? "?" + string.Join('&', query) : ""),
            "Registration", cancellationToken);
    }

    /// <summary>
    /// Sends <see cref="ScaleService"/> with a broker confirm and returns its message id: the Scaler records the decision
    /// with the trigger key <c>operator:&lt;id&gt;</c>.
    /// </summary>
    public async Task<Guid> SendScaleAsync(ScaleService command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var messageId = Guid.NewGuid();
        var envelope = new
        {
            messageId = messageId.ToString(),
            conversationId = Guid.NewGuid().ToString(),
            destinationAddress = $"rabbitmq://{settings.BrokerHost}/{ScalerQueue}",
            messageType = new[] { $"urn:message:{typeof(ScaleService).Namespace}:{nameof(ScaleService)}" },
            message = command,
            sentTime = DateTimeOffset.UtcNow,
            headers = new Dictionary<string, object>(),
        };
        try
        {
            await using var connection = await settings.ConnectAsync(cancellationToken);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            var properties = new BasicProperties
            {
                MessageId = messageId.ToString(),
                ContentType = "application/vnd.masstransit+json",
                Persistent = true,
            };
            await channel.BasicPublishAsync("", ScalerQueue, mandatory: true, properties,
                JsonSerializer.SerializeToUtf8Bytes(envelope, Json), cancellationToken);
            await channel.CloseAsync(CancellationToken.None);
        }
        catch (PublishReturnException e)
        {
            throw new OpsctlException($"no queue '{ScalerQueue}': is the Scaler deployed? ({e.Message})", e);
        }
        return messageId;
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> GetAsync<T>(Uri service, string path, string name, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service, path));
        if (settings.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new OpsctlException($"{name} at {service} did not answer: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new OpsctlException($"{name} refused the token ({(int)response.StatusCode}): set --token-file or OPSCTL_TOKEN.");
            }
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new OpsctlException($"{name} answered {(int)response.StatusCode}: {Truncate(body)}");
            }
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new OpsctlException($"{name} answered an empty body.");
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
