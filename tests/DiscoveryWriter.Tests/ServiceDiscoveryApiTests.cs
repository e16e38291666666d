using System.Net;
using System.Net.Http.Headers;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary><c>GET /v1/sd/{job}</c> on the real Program: http_sd JSON with an ETag, 304 when unchanged, a token required.</summary>
public sealed class ServiceDiscoveryApiTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-sdapi-").FullName;
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("Auth:Tokens:0", ServiceHostContract<Program>.TestToken);
            host.UseSetting("DiscoveryWriter:OutputDirectory", Path.Combine(_folder, "sd"));
            host.UseSetting("DiscoveryWriter:StateDirectory", Path.Combine(_folder, "state"));
            host.UseSetting("DiscoveryWriter:CoalesceDelay", "00:00:00.010");
            host.ConfigureTestServices(services => services.AddMassTransitTestHarness());
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_registered_target_is_served_with_an_etag_and_an_unchanged_job_answers_304()
    {
        using var client = Client(ServiceHostContract<Program>.TestToken);
        await _factory.Services.GetTestHarness().Bus.Publish(new InstanceRegistered(
            "pretix_web.1", "pretix_web", 1, null, null, "10.0.0.1", [new ExporterEndpoint("pretix", 80, "/metrics", "http", new Dictionary<string, string>())],
            new Dictionary<string, string>(), 0, DateTimeOffset.UtcNow));

        var body = await Eventually.ValueAsync(() => client.GetStringAsync(new Uri("/v1/sd/pretix", UriKind.Relative)),
            b => b.Contains("pretix_web.1", StringComparison.Ordinal));
        Assert.Contains("\"10.0.0.1:80\"", body, StringComparison.Ordinal);

        using var first = await client.GetAsync(new Uri("/v1/sd/pretix", UriKind.Relative));
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sd/pretix");
        request.Headers.IfNoneMatch.Add(etag);
        using var again = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task A_job_never_seen_is_an_empty_list()
    {
        using var client = Client(ServiceHostContract<Program>.TestToken);

        Assert.Equal("[]\n", await client.GetStringAsync(new Uri("/v1/sd/never-seen", UriKind.Relative)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    public async Task Targets_are_not_served_without_the_token(string? token)
    {
        using var client = Client(token);

        using var response = await client.GetAsync(new Uri("/v1/sd/pretix", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_job_name_that_could_name_a_path_is_refused()
    {
        using var client = Client(ServiceHostContract<Program>.TestToken);

        using var response = await client.GetAsync(new Uri("/v1/sd/..%2F..%2Fetc%2Fpasswd", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    public static TheoryData<string> RefusedFields => ["node", "address", "labels.job", "ttlSeconds", "exporters[0].path", "slot"];

    /// <summary>
    /// Each change is one Registration would refuse, and this consumer once let through (it checked no node, any
    /// address without spaces, no label names, no upper TTL, a path only for its leading slash, no slot range).
    /// The producer's rules now hold here too: nothing is written, and the fault names the field.
    /// </summary>
    [Theory]
    [MemberData(nameof(RefusedFields))]
    public async Task A_change_Registration_would_refuse_is_refused_here_naming_the_field(string field)
    {
        using var client = Client(ServiceHostContract<Program>.TestToken);
        var job = "refused_" + new string([.. field.Where(char.IsAsciiLetter)]);
        var exporter = new ExporterEndpoint(job, 80, field == "exporters[0].path" ? "/my metrics" : "/metrics", "http", new Dictionary<string, string>());
        var valid = new InstanceRegistered(
            job + ".1", job, 1, null, "node-1", "10.0.0.1", [exporter], new Dictionary<string, string>(), 90, DateTimeOffset.UtcNow);
        var message = field switch
        {
            "node" => valid with { Node = "fd00::5" },
            "address" => valid with { Address = "010.0.0.1" },
            "labels.job" => valid with { Labels = new Dictionary<string, string> { ["job"] = "other" } },
            "ttlSeconds" => valid with { TtlSeconds = 86_401 },
            "slot" => valid with { Slot = 2_000_000 },
            _ => valid,
        };
        var harness = _factory.Services.GetTestHarness();

        await harness.Bus.Publish(message);

        Assert.True(await harness.Consumed.Any<InstanceRegistered>(m => m.Context.Message.Service == job && m.Exception is not null));
        var consumed = harness.Consumed.Select<InstanceRegistered>(m => m.Context.Message.Service == job).First();
        Assert.Contains(field, Assert.IsType<InvalidMessageException>(consumed.Exception).Errors.Keys);
        Assert.Equal("[]\n", await client.GetStringAsync(new Uri($"/v1/sd/{job}", UriKind.Relative)));
    }

    private HttpClient Client(string? token)
    {
        var client = _factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }
}
