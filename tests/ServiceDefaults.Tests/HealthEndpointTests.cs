using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PretixOps.ServiceDefaults.Tests;

public sealed class HealthEndpointTests : IAsyncLifetime
{
    private readonly SwitchableCheck _bus = new();
    private readonly WebApplication _app;
    private HttpClient _client = null!;

    public HealthEndpointTests()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults(new ServiceInfo("health-test", DefaultPort: 5999));
        builder.Services.AddHealthChecks().AddCheck("bus", _bus, tags: [ServiceDefaultsExtensions.ReadyTag]);
        _app = builder.Build();
        _app.MapServiceDefaults();
    }

    public async Task InitializeAsync()
    {
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData(HealthStatus.Healthy, HttpStatusCode.OK)]
    [InlineData(HealthStatus.Degraded, HttpStatusCode.ServiceUnavailable)]
    [InlineData(HealthStatus.Unhealthy, HttpStatusCode.ServiceUnavailable)]
    public async Task Readiness_follows_the_bus(HealthStatus bus, HttpStatusCode expected)
    {
        _bus.Status = bus;

        using var response = await _client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains($"\"bus\":{{\"status\":\"{bus}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HealthStatus.Degraded)]
    [InlineData(HealthStatus.Unhealthy)]
    public async Task Liveness_ignores_the_bus(HealthStatus bus)
    {
        _bus.Status = bus;

        using var response = await _client.GetAsync(new Uri("/healthz/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("\"bus\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private sealed class SwitchableCheck : IHealthCheck
    {
        public HealthStatus Status { get; set; } = HealthStatus.Healthy;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new HealthCheckResult(Status, Status.ToString()));
    }
}
