using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace PretixOps.TestSupport;

/// <summary>
/// What every PretixOps service promises before it does anything of its own: it starts with the shared
/// defaults, is live, is ready once its bus runs, and reports on itself at <c>/metrics</c>. Each service's
/// test project runs these against its real <c>Program</c>, with MassTransit's in-memory harness as the bus.
/// </summary>
public abstract class ServiceHostContract<TProgram>(string serviceName) : IAsyncLifetime
    where TProgram : class
{
    public const string TestToken = "test-token-0123456789abcdef";

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-host-").FullName;
    private WebApplicationFactory<TProgram> _factory = null!;

    protected HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<TProgram>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("Auth:Tokens:0", TestToken);
            host.UseSetting("AlertIngest:Alertmanager:Tokens:0", TestToken);
            host.UseSetting("AlertIngest:Grafana:Tokens:0", TestToken);
            host.UseSetting("AlertIngest:GrafanaLegacy:Tokens:0", TestToken);
            host.UseSetting("DiscoveryWriter:OutputDirectory", Path.Combine(_folder, "sd"));
            host.UseSetting("DiscoveryWriter:StateDirectory", Path.Combine(_folder, "state"));
            host.ConfigureTestServices(services =>
            {
                services.AddMassTransitTestHarness();
                ConfigureTestServices(services);
            });
        });
        Client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    /// <summary>Where a service puts in-memory stand-ins for the servers it needs beyond the bus.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Is_live_at_once()
    {
        using var response = await Client.GetAsync(new Uri("/healthz/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"status\":\"Healthy\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Is_ready_once_its_bus_runs()
    {
        var status = await Eventually.StatusAsync(Client, "/healthz/ready", HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Reports_its_name_and_runtime_at_metrics()
    {
        var metrics = await Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains($"pretixops_build_info{{service=\"{serviceName}\"", metrics, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_collection_count_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_an_unknown_path_with_problem_details()
    {
        using var response = await Client.GetAsync(new Uri("/no-such-endpoint", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
