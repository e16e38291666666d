using System.Globalization;
using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PretixOps.Contracts;
using PretixOps.Snmp;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>Our SNMP client and SnmpPoller against Debian's snmpd, checked against net-snmp's own tools.</summary>
public sealed class SnmpTests : IAsyncLifetime
{
    private static readonly Oid SystemGroup = Oid.Parse("1.3.6.1.2.1.1");
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3");
    private static readonly string[] StorageColumns = ["1.3.6.1.2.1.25.2.3.1.2", "1.3.6.1.2.1.25.2.3.1.3", "1.3.6.1.2.1.25.2.3.1.4"];

    private SnmpAgent _agent = null!;
    private SnmpClient _client = null!;

    public async Task InitializeAsync()
    {
        _agent = await SnmpAgent.StartAsync();
        _client = new SnmpClient();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task V2c_get_matches_snmpget_of_the_same_oids()
    {
        string[] oids = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.25.2.2.0",
            "1.3.6.1.4.1.2021.4.5.0", "1.3.6.1.2.1.99.0"];
        var ours = await _client.GetAsync(_agent.V2c(), [.. oids.Select(Oid.Parse)]);
        var theirs = await _agent.NetSnmpAsync("snmpget", oids);
        Assert.Equal(theirs.Select(NetSnmpLine), ours.Select(Canonical));
        Assert.Equal("ops@pretixops.example", ours[2].Value.AsText());
        Assert.Equal(SnmpType.NoSuchObject, ours[6].Value.Type);

        string[] before = ["1.3.6.1.2.1.1", "1.3.6.1.2.1.25.2.3.1.3", "1.3.6.1.4.1.2021.4"];
        var next = await _client.GetNextAsync(_agent.V2c(), [.. before.Select(Oid.Parse)]);
        Assert.Equal((await _agent.NetSnmpAsync("snmpgetnext", before)).Select(NetSnmpLine), next.Select(Canonical));
    }

    [Fact]
    public async Task V2c_walks_match_snmpbulkwalk_of_the_same_subtrees()
    {
        var ours = await _client.WalkAsync(_agent.V2c(), SystemGroup);
        var theirs = await _agent.NetSnmpAsync("snmpbulkwalk", SystemGroup.ToString());
        Assert.True(ours.Count > 10, $"the system group has sysORTable rows; got {ours.Count}");
        Assert.Equal(
            theirs.Select(NetSnmpLine).Where(l => !l.StartsWith(SysUpTime + ".", StringComparison.Ordinal)),
            ours.Where(v => !v.Oid.StartsWith(SysUpTime)).Select(Canonical));

        // The three hrStorage columns walked side by side equal three separate snmpbulkwalks.
        var columns = await _client.WalkAsync(_agent.V2c() with { MaxRepetitions = 4 }, [.. StorageColumns.Select(Oid.Parse)]);
        var expected = new List<string>();
        foreach (var column in StorageColumns)
        {
            expected.AddRange((await _agent.NetSnmpAsync("snmpbulkwalk", column)).Select(NetSnmpLine));
        }
        Assert.NotEmpty(columns);
        Assert.Equal(expected, columns.Select(Canonical));
    }

    public static TheoryData<string, AuthProtocol, PrivProtocol> V3Users => new()
    {
        { "sha-aes", AuthProtocol.Sha1, PrivProtocol.Aes128 },
        { "md5-des", AuthProtocol.Md5, PrivProtocol.Des },
        { "sha256-aes", AuthProtocol.Sha256, PrivProtocol.Aes128 },
        { "sha-only", AuthProtocol.Sha1, PrivProtocol.None },
        { "no-auth", AuthProtocol.None, PrivProtocol.None },
    };

    [Theory]
    [MemberData(nameof(V3Users))]
    public async Task V3_users_at_every_security_level_read_what_v2c_reads(string name, AuthProtocol auth, PrivProtocol priv)
    {
        var user = new UsmUser(name, auth, auth == AuthProtocol.None ? null : SnmpAgent.AuthPassword,
            priv, priv == PrivProtocol.None ? null : SnmpAgent.PrivPassword);
        var v3 = await _client.WalkAsync(_agent.V3(user), SystemGroup);
        var v2c = await _client.WalkAsync(_agent.V2c(), SystemGroup);
        Assert.Equal(v2c.Where(v => !v.Oid.StartsWith(SysUpTime)).Select(Canonical), v3.Where(v => !v.Oid.StartsWith(SysUpTime)).Select(Canonical));
        var contact = await _client.GetAsync(_agent.V3(user), [Oid.Parse("1.3.6.1.2.1.1.4.0")]);
        Assert.Equal("ops@pretixops.example", Assert.Single(contact).Value.AsText());
    }

    [Fact]
    public async Task A_v3_client_follows_an_agent_that_restarted_with_a_new_boot_count()
    {
        var user = new UsmUser("sha-aes", AuthProtocol.Sha1, SnmpAgent.AuthPassword, PrivProtocol.Aes128, SnmpAgent.PrivPassword);
        var first = await _client.GetAsync(_agent.V3(user), [Oid.Parse("1.3.6.1.6.3.10.2.1.2.0")]);
        await _agent.RestartAsync();
        // snmpEngineBoots went up: the agent refuses our old boots with notInTimeWindows, and the client resynchronises.
        var second = await _client.GetAsync(_agent.V3(user), [Oid.Parse("1.3.6.1.6.3.10.2.1.2.0")]);
        Assert.Equal(Assert.Single(first).Value.AsInt64() + 1, Assert.Single(second).Value.AsInt64());
    }

    [Fact]
    public async Task Wrong_v3_credentials_fail_with_an_error_that_says_which()
    {
        var wrongAuth = new UsmUser("sha-aes", AuthProtocol.Sha1, "not-the-password", PrivProtocol.Aes128, SnmpAgent.PrivPassword);
        var auth = await Assert.ThrowsAsync<SnmpException>(() => _client.GetAsync(_agent.V3(wrongAuth), [Oid.Parse("1.3.6.1.2.1.1.4.0")]));
        Assert.Equal("authentication", auth.Reason);
        Assert.Contains("wrong authentication password or protocol", auth.Message, StringComparison.Ordinal);

        var wrongProtocol = new UsmUser("sha-aes", AuthProtocol.Md5, SnmpAgent.AuthPassword, PrivProtocol.Aes128, SnmpAgent.PrivPassword);
        Assert.Equal("authentication",
            (await Assert.ThrowsAsync<SnmpException>(() => _client.GetAsync(_agent.V3(wrongProtocol), [Oid.Parse("1.3.6.1.2.1.1.4.0")]))).Reason);

        // A wrong privacy password: snmpd cannot decrypt, so it says nothing (as snmpget also sees).
        var wrongPriv = new UsmUser("sha-aes", AuthProtocol.Sha1, SnmpAgent.AuthPassword, PrivProtocol.Aes128, "not-the-password");
        var priv = await Assert.ThrowsAsync<SnmpTimeoutException>(() => _client.GetAsync(_agent.V3(wrongPriv, 0.5), [Oid.Parse("1.3.6.1.2.1.1.4.0")]));
        Assert.Contains("wrong privacy password", priv.Message, StringComparison.Ordinal);

        var stranger = new UsmUser("stranger", AuthProtocol.Sha1, SnmpAgent.AuthPassword);
        Assert.Equal("unknown_user",
            (await Assert.ThrowsAsync<SnmpException>(() => _client.GetAsync(_agent.V3(stranger), [Oid.Parse("1.3.6.1.2.1.1.4.0")]))).Reason);
    }

    [Fact]
    public async Task The_poller_exports_what_snmpget_reads_and_a_stopped_agent_is_down_after_one_timeout()
    {
        await Infrastructure.RequireBrokerAsync();
        await using var poller = ServiceProcess.Start("SnmpPoller", new Dictionary<string, string?>
        {
            ["SnmpPoller__Discovery__Enabled"] = "false",
            ["SnmpPoller__Auths__v3__Version"] = "3",
            ["SnmpPoller__Auths__v3__Username"] = "sha-aes",
            ["SnmpPoller__Auths__v3__AuthProtocol"] = "SHA",
            ["SnmpPoller__Auths__v3__AuthPassword"] = SnmpAgent.AuthPassword,
            ["SnmpPoller__Auths__v3__PrivProtocol"] = "AES",
            ["SnmpPoller__Auths__v3__PrivPassword"] = SnmpAgent.PrivPassword,
            ["SnmpPoller__Auths__v2__Community"] = SnmpAgent.Community,
            ["SnmpPoller__Hosts__0__Name"] = "agent",
            ["SnmpPoller__Hosts__0__Address"] = "127.0.0.1",
            ["SnmpPoller__Hosts__0__Port"] = _agent.Port.ToString(CultureInfo.InvariantCulture),
            ["SnmpPoller__Hosts__0__Auth"] = "v3",
            ["SnmpPoller__Interval"] = "00:00:01",
            ["SnmpPoller__Timeout"] = "00:00:01",
            ["SnmpPoller__Retries"] = "0",
        });
        var metrics = await MetricsWhenAsync(poller, "snmp_up{host=\"agent\"} 1");

        // hrStorage row 1 is physical memory: allocation units times size, as snmpget reads them.
        var ram = await _agent.NetSnmpAsync("snmpget", "1.3.6.1.2.1.25.2.3.1.4.1", "1.3.6.1.2.1.25.2.3.1.5.1");
        var bytes = long.Parse(NetSnmpValue(ram[0]), CultureInfo.InvariantCulture) * long.Parse(NetSnmpValue(ram[1]), CultureInfo.InvariantCulture);
        Assert.Equal(bytes, Sample(metrics, "snmp_host_memory_total_bytes{host=\"agent\"}"));
        Assert.True(Sample(metrics, "snmp_host_uptime_seconds{host=\"agent\"}") > 0);
        Assert.Contains("snmp_host_filesystem_size_bytes{host=\"agent\",mount=\"/\"}", metrics, StringComparison.Ordinal);

        // The same agent on demand, over v2c, as Prometheus's snmp job asks it.
        var onDemand = await poller.Http.GetStringAsync(new Uri($"/snmp?target={_agent.Address}&module=host&auth=v2", UriKind.Relative));
        Assert.Contains("\nsnmp_up 1\n", onDemand, StringComparison.Ordinal);
        Assert.Equal(bytes, Sample(onDemand, "snmp_host_memory_total_bytes"));

        await _agent.StopAsync();
        metrics = await MetricsWhenAsync(poller, "snmp_up{host=\"agent\"} 0");
        // The first poll after the stop marked it down: one timeout, not a streak of them.
        Assert.Equal(1, Sample(metrics, "snmp_poll_errors_total{host=\"agent\",reason=\"timeout\"}"));
        Assert.DoesNotContain("snmp_host_memory_total_bytes{host=\"agent\"}", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(poller.Output, line => line.Contains(SnmpAgent.AuthPassword, StringComparison.Ordinal)
            || line.Contains(SnmpAgent.PrivPassword, StringComparison.Ordinal) || line.Contains(SnmpAgent.Community, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_is_polled_once_an_instance_registers_on_it_and_dropped_once_its_last_instance_expires()
    {
        await Infrastructure.RequireBrokerAsync();
        await using var poller = ServiceProcess.Start("SnmpPoller", new Dictionary<string, string?>
        {
            ["SnmpPoller__Auths__itest__Community"] = SnmpAgent.Community,
            ["SnmpPoller__Discovery__Auth"] = "itest",
            ["SnmpPoller__Discovery__Port"] = _agent.Port.ToString(CultureInfo.InvariantCulture),
            ["SnmpPoller__Discovery__GracePeriod"] = "00:00:01",
            ["SnmpPoller__Interval"] = "00:00:01",
        });
        await poller.StatusWhenAsync("/healthz/ready", System.Net.HttpStatusCode.OK);
        using var bus = TestBus.Build("itest-snmp-registrations", configure: null);
        await bus.StartAsync();
        try
        {
            var publisher = bus.Services.GetRequiredService<IBus>();
            var at = DateTimeOffset.UtcNow;
            await publisher.Publish(new InstanceRegistered("itest_web.1", "itest_web", 1, null, "127.0.0.1", "10.0.9.1", [],
                new Dictionary<string, string>(), 90, at));
            var metrics = await MetricsWhenAsync(poller, "snmp_up{host=\"127.0.0.1\"} 1");
            Assert.Contains("snmp_host_memory_total_bytes{host=\"127.0.0.1\"}", metrics, StringComparison.Ordinal);

            await publisher.Publish(new InstanceDeregistered("itest_web.1", "itest_web", DeregistrationReason.Expired, at.AddSeconds(1)));
            metrics = await Eventually.ValueAsync(() => poller.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
                text => !text.Contains("host=\"127.0.0.1\"", StringComparison.Ordinal));
            Assert.DoesNotContain("host=\"127.0.0.1\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task A_fresh_poller_learns_the_nodes_already_registered_from_DiscoveryWriter()
    {
        await Infrastructure.RequireBrokerAsync();
        await using var writer = ServiceProcess.Start("DiscoveryWriter");
        await writer.StatusWhenAsync("/healthz/ready", System.Net.HttpStatusCode.OK);
        using var bus = TestBus.Build("itest-snmp-bootstrap", b => b.AddRequestClient<ListInstances>());
        await bus.StartAsync();
        try
        {
            await bus.Services.GetRequiredService<IBus>().Publish(new InstanceRegistered("itest_boot.1", "itest_boot", 1, null, "127.0.0.1",
                "10.0.9.2", [], new Dictionary<string, string>(), 0, DateTimeOffset.UtcNow));
            using var scope = bus.Services.CreateScope();
            var lists = scope.ServiceProvider.GetRequiredService<IRequestClient<ListInstances>>();
            var listed = await Eventually.ValueAsync(
                async () => (await lists.GetResponse<InstanceList>(new ListInstances("itest_boot", null))).Message.Instances.Count,
                count => count == 1);
            Assert.Equal(1, listed);

            // Started after the registration: no event will tell it about the node, DiscoveryWriter's list does.
            await using var poller = ServiceProcess.Start("SnmpPoller", new Dictionary<string, string?>
            {
                ["SnmpPoller__Auths__itest__Community"] = SnmpAgent.Community,
                ["SnmpPoller__Discovery__Auth"] = "itest",
                ["SnmpPoller__Discovery__Port"] = _agent.Port.ToString(CultureInfo.InvariantCulture),
                ["SnmpPoller__Interval"] = "00:00:01",
            });
            await MetricsWhenAsync(poller, "snmp_up{host=\"127.0.0.1\"} 1");
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task Prometheus_scrapes_snmp_with_the_snmp_exporter_job_and_metrics_with_a_plain_job()
    {
        await Infrastructure.RequireBrokerAsync();
        await using var poller = ServiceProcess.Start("SnmpPoller", new Dictionary<string, string?>
        {
            ["SnmpPoller__Discovery__Enabled"] = "false",
            ["SnmpPoller__Auths__public_v2__Community"] = SnmpAgent.Community,
            ["SnmpPoller__Hosts__0__Name"] = "node-1",
            ["SnmpPoller__Hosts__0__Address"] = "127.0.0.1",
            ["SnmpPoller__Hosts__0__Port"] = _agent.Port.ToString(CultureInfo.InvariantCulture),
            ["SnmpPoller__Interval"] = "00:00:01",
        });
        await poller.StatusWhenAsync("/healthz/live", System.Net.HttpStatusCode.OK);
        var tokenFile = Path.Combine(poller.Folder, "token");
        await File.WriteAllTextAsync(tokenFile, ServiceProcess.Token);
        // The snmp job is snmp_exporter's documented one; only the exporter's address (the last replacement) and the
        // token are ours.
        await using var prometheus = await PrometheusProcess.StartAsync($"""
              - job_name: snmp
                metrics_path: /snmp
                params:
                  module: [host]
                authorization:
                  type: Bearer
                  credentials_file: {tokenFile}
                static_configs:
                  - targets: ['{_agent.Address}']
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: __param_target
                  - source_labels: [__param_target]
                    target_label: instance
                  - target_label: __address__
                    replacement: '{poller.BaseAddress.Authority}'
              - job_name: snmp-poller
                static_configs:
                  - targets: ['{poller.BaseAddress.Authority}']
            """);

        var onDemand = await QueryWhenAsync(prometheus, "snmp_host_memory_total_bytes{job=\"snmp\"}");
        Assert.Equal(_agent.Address, onDemand.GetProperty("metric").GetProperty("instance").GetString());
        var polled = await QueryWhenAsync(prometheus, "snmp_host_memory_total_bytes{job=\"snmp-poller\",host=\"node-1\"}");
        Assert.Equal(onDemand.GetProperty("value")[1].GetString(), polled.GetProperty("value")[1].GetString());
        Assert.Equal("1", (await QueryWhenAsync(prometheus, "snmp_up{job=\"snmp\"}")).GetProperty("value")[1].GetString());
    }

    private static async Task<System.Text.Json.JsonElement> QueryWhenAsync(PrometheusProcess prometheus, string query)
    {
        var result = await Eventually.ValueAsync(async () =>
        {
            var body = await prometheus.Http.GetStringAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative));
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var results = json.RootElement.GetProperty("data").GetProperty("result");
            return results.GetArrayLength() > 0 ? (System.Text.Json.JsonElement?)results[0].Clone() : null;
        }, found => found is not null);
        return result ?? throw new Xunit.Sdk.XunitException($"Prometheus never had {query}");
    }

    private static async Task<string> MetricsWhenAsync(ServiceProcess poller, string line)
    {
        await poller.StatusWhenAsync("/healthz/live", System.Net.HttpStatusCode.OK);
        var metrics = await Eventually.ValueAsync(() => poller.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => text.Contains(line, StringComparison.Ordinal));
        Assert.True(metrics.Contains(line, StringComparison.Ordinal), $"{line} never appeared:\n{metrics}\n{poller}");
        return metrics;
    }

    private static double Sample(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"{series} is not exported:\n{metrics}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>A binding as "OID = value", values in one canonical text for both sides: octets as hex.</summary>
    private static string Canonical(Varbind binding) => $"{binding.Oid} = " + binding.Value.Type switch
    {
        SnmpType.OctetString or SnmpType.Opaque => Convert.ToHexString(binding.Value.AsOctets()),
        SnmpType.Integer => binding.Value.AsInt64().ToString(CultureInfo.InvariantCulture),
        SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64 => binding.Value.AsUInt64().ToString(CultureInfo.InvariantCulture),
        SnmpType.ObjectIdentifier => binding.Value.AsOid().ToString(),
        SnmpType.IpAddress => new System.Net.IPAddress(binding.Value.AsOctets()).ToString(),
        var other => other.ToString(),
    };

    /// <summary>A line of snmpget -On in the same canonical text.</summary>
    private static string NetSnmpLine(string line)
    {
        var equals = line.IndexOf(" = ", StringComparison.Ordinal);
        return $"{line[1..equals]} = {NetSnmpValue(line)}";
    }

    private static string NetSnmpValue(string line)
    {
        var rest = line[(line.IndexOf(" = ", StringComparison.Ordinal) + 3)..];
        if (rest == "\"\"")
        {
            return "";
        }
        if (rest.StartsWith("No Such Object", StringComparison.Ordinal))
        {
            return nameof(SnmpType.NoSuchObject);
        }
        var colon = rest.IndexOf(": ", StringComparison.Ordinal);
        var (type, value) = (rest[..colon], rest[(colon + 2)..]);
        return type switch
        {
            "STRING" => Convert.ToHexString(Encoding.UTF8.GetBytes(value.Trim('"'))),
            "Hex-STRING" => value.Replace(" ", "", StringComparison.Ordinal),
            "OID" => value.TrimStart('.'),
            "Timeticks" => value[1..value.IndexOf(')', StringComparison.Ordinal)],
            _ => value,
        };
    }
}
