using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PretixOps.Shared;
using PretixOps.Snmp;
using PretixOps.TestSupport;

namespace PretixOps.SnmpPoller.Tests;

/// <summary><c>/snmp</c> and <c>/metrics</c> of the real host, with an agent in memory behind the SNMP seam.</summary>
public sealed class PollerApiTests : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;
    private SwitchableClient _agent = null!;

    public Task InitializeAsync()
    {
        _agent = new SwitchableClient(new MibClient(HostMib.Linux));
        _factory = Host(new Dictionary<string, string>
        {
            ["SnmpPoller:Hosts:0:Name"] = "node-1",
            ["SnmpPoller:Hosts:0:Address"] = "10.0.0.1",
            ["SnmpPoller:Interval"] = "00:00:01",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private WebApplicationFactory<Program> Host(Dictionary<string, string> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("SnmpPoller:Discovery:Enabled", "false");
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }
            host.ConfigureTestServices(services =>
            {
                services.AddMassTransitTestHarness();
                services.RemoveAll<ISnmpClient>();
                services.AddSingleton<ISnmpClient>(_agent);
            });
        });

    [Fact]
    public async Task Snmp_polls_the_target_on_demand_as_snmp_exporter_does()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/snmp?target=10.0.0.9:1161&module=host", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\nsnmp_up 1\n", body, StringComparison.Ordinal);
        Assert.Contains("\nsnmp_host_memory_total_bytes 25276514304\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("host=", body, StringComparison.Ordinal);
        // The configured host is polled in the background meanwhile: the on-demand target is one of those asked.
        Assert.Contains(new IPEndPoint(IPAddress.Parse("10.0.0.9"), 1161), _agent.Asked);
    }

    [Fact]
    public async Task A_failed_on_demand_poll_answers_snmp_up_0_with_the_reason()
    {
        _agent.Failure = new SnmpTimeoutException(HostMib.Target, 2);
        using var client = _factory.CreateClient();
        var body = await client.GetStringAsync(new Uri("/snmp?target=10.0.0.9", UriKind.Relative));
        Assert.Contains("\nsnmp_up 0\n", body, StringComparison.Ordinal);
        Assert.StartsWith("# error: no answer from", body, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/snmp", "target")]
    [InlineData("/snmp?target=", "target")]
    [InlineData("/snmp?target=10.0.0.9:99999", "target")]
    [InlineData("/snmp?target=a%20b", "target")]
    [InlineData("/snmp?target=10.0.0.9&module=if_mib", "module")]
    [InlineData("/snmp?target=10.0.0.9&auth=nobody", "auth")]
    public async Task Bad_parameters_are_a_problem_naming_the_parameter(string path, string field)
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains($"\"{field}\":[", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_demand_polls_can_be_limited_to_networks()
    {
        await using var limited = Host(new Dictionary<string, string> { ["SnmpPoller:OnDemandAllowedNetworks:0"] = "10.0.0.0/24" });
        using var client = limited.CreateClient();
        using var inside = await client.GetAsync(new Uri("/snmp?target=10.0.0.9", UriKind.Relative));
        using var outside = await client.GetAsync(new Uri("/snmp?target=192.168.1.1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Contains("OnDemandAllowedNetworks", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_serve_the_last_poll_of_every_host_and_a_host_that_stops_answering_stays_down_not_gone()
    {
        using var client = _factory.CreateClient();
        var metrics = await Eventually.ValueAsync(() => client.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => text.Contains("snmp_up{host=\"node-1\"} 1", StringComparison.Ordinal));
        Assert.Contains("snmp_host_memory_total_bytes{host=\"node-1\"} 25276514304\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pretixops_build_info{", metrics, StringComparison.Ordinal);

        _agent.Failure = new SnmpTimeoutException(HostMib.Target, 2);
        metrics = await Eventually.ValueAsync(() => client.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => text.Contains("snmp_up{host=\"node-1\"} 0", StringComparison.Ordinal));
        Assert.Contains("snmp_poll_errors_total{host=\"node-1\",reason=\"timeout\"} ", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_memory_total_bytes{host=\"node-1\"}", metrics, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "SnmpPoller:Auths:v3:Version", "3", "SnmpPoller:Auths:v3:Username" },
        { "SnmpPoller:Auths:v2:Version", "2", "SnmpPoller:Auths:v2:Version" },
        { "SnmpPoller:Hosts:0:Name", "bad name", "SnmpPoller:Hosts:0:Name" },
        { "SnmpPoller:Discovery:Auth", "missing", "SnmpPoller:Discovery:Auth" },
        { "SnmpPoller:OnDemandAllowedNetworks:0", "10.0.0.0/99", "SnmpPoller:OnDemandAllowedNetworks" },
        // Once read trimmed and accepted here alone; every other network list refuses it. The strict rule wins.
        { "SnmpPoller:OnDemandAllowedNetworks:0", " 10.0.0.0/24", "SnmpPoller:OnDemandAllowedNetworks" },
        // A replica's name had 128 characters here and 64 in DiscoveryWriter; one rule now, the strict one.
        { "SnmpPoller:InstanceName", new string('r', 65), "SnmpPoller:InstanceName" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Settings_that_cannot_work_are_refused_naming_the_setting(string key, string value, string named)
    {
        var options = new SnmpPollerOptions();
        var section = key.Split(':');
        switch (section[1])
        {
            case "Auths":
                options.Auths[section[2]] = new SnmpAuthOptions { Version = value, Community = "public" };
                break;
            case "Hosts":
                options.Hosts.Add(new StaticHostOptions { Name = value });
                break;
            case "Discovery":
                options.Discovery.Auth = value;
                break;
            case "InstanceName":
                options.InstanceName = value;
                break;
            default:
                options.OnDemandAllowedNetworks.Add(value);
                break;
        }
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options,
            new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true);
        Assert.Contains(results, r => "SnmpPoller:" + string.Join(',', r.MemberNames) == named);
    }

    [Fact]
    public void A_v3_user_needs_passwords_of_eight_characters_for_the_protocols_it_names()
    {
        var auth = new SnmpAuthOptions { Version = "3", Username = "monitor", AuthProtocol = "SHA256", AuthPassword = "short", PrivProtocol = "AES" };
        var problems = auth.Problems().ToList();
        Assert.Contains(("AuthPassword", "must have at least 8 characters (RFC 3414 section 11.2)."), problems);
        Assert.Contains(problems, p => p.Setting == "PrivPassword" && p.Message.Contains("PrivPasswordFile", StringComparison.Ordinal));
        var complete = new SnmpAuthOptions
        {
            Version = "3",
            Username = "monitor",
            AuthProtocol = "SHA256",
            AuthPassword = "authpass123",
            PrivProtocol = "AES",
            PrivPassword = "privpass123",
        };
        Assert.Empty(complete.Problems());
    }

    /// <summary>The in-memory agent, or a failure on demand; remembers every agent it was asked for.</summary>
    private sealed class SwitchableClient(ISnmpClient inner) : ISnmpClient
    {
        public Exception? Failure { get; set; }

        public System.Collections.Concurrent.ConcurrentBag<IPEndPoint> Asked { get; } = [];

        public Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
            Call(target) ?? inner.GetAsync(target, oids, cancellationToken);

        public Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
            Call(target) ?? inner.GetNextAsync(target, oids, cancellationToken);

        public Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
            CancellationToken cancellationToken = default) =>
            Call(target) ?? inner.GetBulkAsync(target, nonRepeaters, maxRepetitions, oids, cancellationToken);

        private Task<IReadOnlyList<Varbind>>? Call(SnmpTarget target)
        {
            Asked.Add(target.EndPoint);
            return Failure is { } failure ? Task.FromException<IReadOnlyList<Varbind>>(failure) : null;
        }
    }
}
