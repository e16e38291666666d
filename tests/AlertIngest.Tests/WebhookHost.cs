using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace PretixOps.AlertIngest.Tests;

/// <summary>AlertIngest's real Program in memory, with MassTransit's harness as the bus and a fake clock.</summary>
internal sealed class WebhookHost : IAsyncDisposable
{
    public const string AmUser = "alertmanager";
    public const string AmPassword = "am-password-0123456789";
    public const string GrafanaToken = "grafana-token-0123456789";
    public const string HmacSecret = "hmac-secret-0123456789";
    public const string LegacyToken = "legacy-token-0123456789";
    public const string TimestampHeader = "X-Grafana-Alerting-Timestamp";

    private readonly WebApplicationFactory<Program> _factory;

    public WebhookHost(bool timestamped = false, IDictionary<string, string>? settings = null)
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("AlertIngest:Alertmanager:Username", AmUser);
            host.UseSetting("AlertIngest:Alertmanager:Password", AmPassword);
            host.UseSetting("AlertIngest:Grafana:Tokens:0", GrafanaToken);
            host.UseSetting("AlertIngest:Grafana:Hmac:Secret", HmacSecret);
            if (timestamped)
            {
                host.UseSetting("AlertIngest:Grafana:Hmac:TimestampHeader", TimestampHeader);
            }

            host.UseSetting("AlertIngest:GrafanaLegacy:Tokens:0", LegacyToken);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                host.UseSetting(key, value);
            }

            host.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.AddMassTransitTestHarness();
            });
        });
        Client = _factory.CreateClient();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
    public HttpClient Client { get; }
    public ITestHarness Harness => _factory.Services.GetTestHarness();

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public static string Sign(string body, string? timestamp = null) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(HmacSecret), Encoding.UTF8.GetBytes(timestamp is null ? body : $"{timestamp}:{body}")));

    public async Task<HttpResponseMessage> PostAsync(
        string path, byte[] body, AuthenticationHeaderValue? auth, string contentType = "application/json",
        IDictionary<string, string>? headers = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = auth;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}
