using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>The real Alertmanager posting to AlertIngest with credentials, and the events on the real bus.</summary>
public sealed class AlertIngestTests
{
    private const string User = "alertmanager";
    private const string Password = "am-password-0123456789";

    [Fact]
    public async Task Alerts_injected_into_alertmanager_arrive_as_AlertFired_and_resolve_as_AlertResolved()
    {
        await using var capture = await AlertCapture.StartAsync();
        await using var ingest = await StartIngestAsync();
        await using var alertmanager = await AlertmanagerProcess.StartAsync(Config(ingest));
        var name = $"ItestLatency{Guid.NewGuid():N}"[..24];

        // One start for the episode, as Prometheus keeps it; amtool would otherwise claim a new one each time.
        var start = DateTimeOffset.UtcNow.AddSeconds(-5);
        await alertmanager.AddAlertAsync([$"alertname={name}", "service=pretix_web", "scale_action=up"], start);

        var fired = await Eventually.ValueAsync(() => Task.FromResult(capture.Received.Fired.FirstOrDefault(a => a.Name == name)), a => a is not null);
        Assert.NotNull(fired);
        Assert.Equal(AlertSource.Alertmanager, fired.Source);
        Assert.Equal("pretix_web", fired.Labels["service"]);
        Assert.StartsWith($"alertmanager:{fired.Fingerprint}:", fired.AlertId, StringComparison.Ordinal);

        await alertmanager.AddAlertAsync([$"alertname={name}", "service=pretix_web", "scale_action=up"], start, end: DateTimeOffset.UtcNow.AddSeconds(-1));

        var resolved = await Eventually.ValueAsync(() => Task.FromResult(capture.Received.Resolved.FirstOrDefault(a => a.Name == name)), a => a is not null);
        Assert.NotNull(resolved);
        Assert.Equal(fired.AlertId, resolved.AlertId);
    }

    [Fact]
    public async Task With_the_broker_down_alertingest_answers_503_and_alertmanagers_retry_delivers_once_it_is_back()
    {
        await using var capture = await AlertCapture.StartAsync();
        await using var ingest = await StartIngestAsync();
        await using var alertmanager = await AlertmanagerProcess.StartAsync(Config(ingest));
        var name = $"ItestOutage{Guid.NewGuid():N}"[..24];
        try
        {
            await Infrastructure.InfraAsync("stop", "rabbitmq");

            using var direct = await PostAsync(ingest, ParserFixture(name));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, direct.StatusCode);
            Assert.True(direct.Headers.RetryAfter is not null, "503 without Retry-After");

            await alertmanager.AddAlertAsync([$"alertname={name}", "service=pretix_web"]);
            // Alertmanager is told 503 and keeps the notification pending while the broker is away.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain(capture.Received.Fired, a => a.Name == name);
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "rabbitmq");
        }

        var fired = await Eventually.ValueAsync(() => Task.FromResult(capture.Received.Fired.FirstOrDefault(a => a.Name == name)), a => a is not null);
        Assert.NotNull(fired);
    }

    [Fact]
    public async Task An_alert_that_no_queue_would_receive_is_not_acknowledged()
    {
        // No consumer of AlertFired: the Scaler's queue (durable, left by earlier tests) is removed; a Scaler
        // declares it again when it starts. Unrouted, the broker would confirm the message and drop it.
        await Infrastructure.DeleteQueueAsync(QueueNames.Scaler);
        await using var ingest = await StartIngestAsync();

        using var response = await PostAsync(ingest, ParserFixture($"ItestNobody{Guid.NewGuid():N}"[..24]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    private static async Task<ServiceProcess> StartIngestAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        var ingest = ServiceProcess.Start("AlertIngest", new Dictionary<string, string?>
        {
            ["AlertIngest__Alertmanager__Username"] = User,
            ["AlertIngest__Alertmanager__Password"] = Password,
        });
        Assert.True(HttpStatusCode.OK == await ingest.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), ingest.ToString());
        return ingest;
    }

    private static string Config(ServiceProcess ingest) => $"""
        route:
          receiver: ingest
          group_by: ['...']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: ingest
            webhook_configs:
              - url: '{ingest.BaseAddress}v1/alerts/alertmanager'
                send_resolved: true
                http_config:
                  basic_auth:
                    username: {User}
                    password: {Password}
        """;

    private static async Task<HttpResponseMessage> PostAsync(ServiceProcess ingest, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/alerts/alertmanager")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        return await ingest.Http.SendAsync(request);
    }

    private static string ParserFixture(string name) => $$"""
        {"version":"4","status":"firing","receiver":"ingest","alerts":[{"status":"firing","labels":{"alertname":"{{name}}"},
         "annotations":{},"startsAt":"{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}","endsAt":"0001-01-01T00:00:00Z","fingerprint":"0123456789abcdef"}]}
        """;
}
