using System.Net.Sockets;
using System.Text;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace PretixOps.AlertIngest.Tests;

/// <summary>
/// Bodies that only a real server sees as broken (the in-memory test server does no HTTP/1.1 framing): AlertIngest on
/// Kestrel, asked over a bare socket. Found by the fuzz campaign: a body declared chunked that is not was a 500.
/// </summary>
public sealed class UnreadableBodyTests : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;
    private Uri _address = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            // Loopback and a free port: never the service's own default port on every interface.
            host.UseSetting("urls", "http://127.0.0.1:0");
            host.UseSetting("AlertIngest:Alertmanager:Username", WebhookHost.AmUser);
            host.UseSetting("AlertIngest:Alertmanager:Password", WebhookHost.AmPassword);
            host.UseSetting("AlertIngest:Grafana:Tokens:0", WebhookHost.GrafanaToken);
            host.UseSetting("AlertIngest:GrafanaLegacy:Tokens:0", WebhookHost.LegacyToken);
            host.ConfigureTestServices(services => services.AddMassTransitTestHarness());
        });
        _factory.UseKestrel();
        _factory.StartServer();
        using var client = _factory.CreateClient();
        _address = client.BaseAddress!;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n", "{\"version\":\"4\"}")]
    [InlineData("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n", "5\r\n{}\r\n0\r\n\r\n")]
    public async Task A_body_the_server_cannot_read_is_a_400_not_a_500(string framing, string body)
    {
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebhookHost.AmUser}:{WebhookHost.AmPassword}"));
        var request = "POST /v1/alerts/alertmanager HTTP/1.1\r\n" +
            $"Host: {_address.Authority}\r\nConnection: close\r\nContent-Type: application/json\r\n" +
            $"Authorization: Basic {credentials}\r\n{framing}\r\n{body}";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_address.Host, _address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();

        // Kestrel writes its own 400 once a request's framing is broken (no body: the connection is not trusted to carry one).
        Assert.True(answer.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), $"{_address}: {answer}");
    }
}
