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
    private const string NoReadToken = "no-read-token-0123456789abcdef";

    private WebApplicationFactory<Program> _factory = null!;
    private SwitchableClient _agent = null!;

    public Task InitializeAsync()
    {
        _agent = new SwitchableClient(new MibClient(HostMib.Linux));
        _factory = Host(new Dictionary<string, string>
        {
            ["SnmpPoller:Hosts:0:Name"] = "node-1",
            ["SnmpPoller:Hosts:0:Address"] = "10.0.0.1",
            ["SnmpPoller:Hosts:1:Name"] = "node-9",
            ["SnmpPoller:Hosts:1:Address"] = "10.0.0.9",
            ["SnmpPoller:Hosts:1:Port"] = "1161",
            ["SnmpPoller:Interval"] = "00:00:01",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private WebApplicationFactory<Program> Host(Dictionary<string, string> settings, TimeProvider? clock = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("Auth:Tokens:0", ServiceHostContract<Program>.TestToken);
            host.UseSetting("Auth:Credentials:0:Name", "no-read");
            host.UseSetting("Auth:Credentials:0:Token", NoReadToken);
            host.UseSetting("Auth:Credentials:0:Roles:0", "operate");
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }
            host.ConfigureTestServices(services =>
            {
                services.AddMassTransitTestHarness();
                services.RemoveAll<ISnmpClient>();
                services.AddSingleton<ISnmpClient>(_agent);
                if (clock is not null)
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton(clock);
                }
            });
        });

    [Fact]
    public async Task Snmp_polls_the_target_on_demand_as_snmp_exporter_does()
    {
        using var client = Client(_factory);
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
        using var client = Client(_factory);
        var body = await client.GetStringAsync(new Uri("/snmp?target=node-1", UriKind.Relative));
        Assert.Contains("\nsnmp_up 0\n", body, StringComparison.Ordinal);
        Assert.StartsWith("# error: no answer from", body, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/snmp", "target")]
    [InlineData("/snmp?target=", "target")]
    [InlineData("/snmp?target=10.0.0.9:99999", "target")]
    [InlineData("/snmp?target=10.0.0.9:0", "target")]
    [InlineData("/snmp?target=[10.0.0.9", "target")]
    [InlineData("/snmp?target=a%20b", "target")]
    [InlineData("/snmp?target=10.0.0.9&module=if_mib", "module")]
    [InlineData("/snmp?target=10.0.0.9&auth=nobody", "auth")]
    public async Task Bad_parameters_are_a_problem_naming_the_parameter(string path, string field)
    {
        using var client = Client(_factory);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains($"\"{field}\":[", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_demand_polls_can_be_limited_to_networks()
    {
        await using var limited = Host(new Dictionary<string, string>
        {
            ["SnmpPoller:OnDemandAllowedNetworks:0"] = "10.0.0.0/24",
            ["SnmpPoller:Hosts:0:Name"] = "inside",
            ["SnmpPoller:Hosts:0:Address"] = "10.0.0.9",
            ["SnmpPoller:Hosts:1:Name"] = "outside",
            ["SnmpPoller:Hosts:1:Address"] = "192.168.1.1",
        });
        using var client = Client(limited);
        using var inside = await client.GetAsync(new Uri("/snmp?target=10.0.0.9", UriKind.Relative));
        using var outside = await client.GetAsync(new Uri("/snmp?target=192.168.1.1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Contains("OnDemandAllowedNetworks", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snmp_without_a_valid_token_is_401_and_with_a_credential_lacking_read_is_403_naming_the_role()
    {
        using var anonymous = _factory.CreateClient();
        using var none = await anonymous.GetAsync(new Uri("/snmp?target=node-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType!.MediaType);

        using var wrong = Client(_factory, "not-the-token-0123456789abcdef");
        using var refused = await wrong.GetAsync(new Uri("/snmp?target=node-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var operate = Client(_factory, NoReadToken);
        using var forbidden = await operate.GetAsync(new Uri("/snmp?target=node-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("'read'", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/snmp?target=192.168.1.1")]
    [InlineData("/snmp?target=10.0.0.1:162")] // a known address on another port is another agent
    [InlineData("/snmp?target=node-2")]
    [InlineData("/snmp?target=localhost")]
    public async Task A_target_that_is_neither_configured_nor_registered_is_403_naming_the_rule_and_never_asked(string path)
    {
        using var client = Client(_factory);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"\"rule\":\"{SnmpApi.KnownHostsRule}\"", body, StringComparison.Ordinal);
        Assert.Contains("SnmpPoller:Hosts", body, StringComparison.Ordinal);
        Assert.DoesNotContain(_agent.Asked, asked => !asked.Address.Equals(IPAddress.Parse("10.0.0.1")) && !asked.Address.Equals(IPAddress.Parse("10.0.0.9")));
    }

    [Fact]
    public async Task A_node_becomes_a_target_once_an_instance_registers_on_it_and_stops_being_one_when_it_is_forgotten()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var discovering = Host(new Dictionary<string, string>
        {
            ["SnmpPoller:Discovery:Enabled"] = "true",
            ["SnmpPoller:Discovery:GracePeriod"] = "00:00:00",
        }, clock);
        using var client = Client(discovering);
        // A node is a host name: localhost resolves here as a swarm node's name resolves on the overlay.
        using var before = await client.GetAsync(new Uri("/snmp?target=localhost", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);

        var directory = discovering.Services.GetRequiredService<PretixOps.SnmpPoller.Polling.HostDirectory>();
        directory.Apply(new PretixOps.Contracts.InstanceRegistered("pretix_web.1", "pretix_web", 1, null, "localhost", "10.0.1.5", [],
            new Dictionary<string, string>(), 90, clock.GetUtcNow()));
        using var registered = await client.GetAsync(new Uri("/snmp?target=localhost", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Contains("\nsnmp_up 1\n", await registered.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(1));
        directory.Apply(new PretixOps.Contracts.InstanceDeregistered("pretix_web.1", "pretix_web", PretixOps.Contracts.DeregistrationReason.Expired,
            clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(2));
        directory.Sweep();
        using var forgotten = await client.GetAsync(new Uri("/snmp?target=localhost", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, forgotten.StatusCode);
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

    private static HttpClient Client(WebApplicationFactory<Program> factory, string token = ServiceHostContract<Program>.TestToken)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
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
