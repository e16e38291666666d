using System.Globalization;
using System.Text;
using PretixOps.Shared;
using PretixOps.Snmp;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>From an agent's answers to the metrics a dashboard reads: the host module and its text format.</summary>
public sealed class HostModuleTests
{
    private static async Task<string> RenderAsync(MibClient client, string? host = null)
    {
        var samples = await HostModule.PollAsync(client, HostMib.Target, CancellationToken.None);
        var text = new StringBuilder();
        MetricsText.Write(text, [new PollReport(host, true, 0.25, samples, null, null, null, null)]);
        return text.ToString();
    }

    [Fact]
    public async Task A_net_snmp_agent_gives_node_exporter_style_host_metrics()
    {
        var lines = (await RenderAsync(new MibClient(HostMib.Linux))).Split('\n').Where(l => !l.StartsWith('#')).ToArray();
        string[] expected =
        [
            "snmp_up 1",
            "snmp_poll_duration_seconds 0.25",
            "snmp_host_uptime_seconds 10172.93",
            "snmp_host_cpu_load_ratio{cpu=\"196608\"} 0.12",
            "snmp_host_cpu_load_ratio{cpu=\"196609\"} 1",
            "snmp_host_cpu_seconds_total{mode=\"user\"} 8298.72",
            "snmp_host_cpu_seconds_total{mode=\"system\"} 10", // ssCpuRawKernel, filled by this agent
            "snmp_host_cpu_seconds_total{mode=\"idle\"} 11320.34",
            "snmp_host_cpu_seconds_total{mode=\"steal\"} 197.64",
            "snmp_host_load1 0.71",
            "snmp_host_load15 1.04",
            // hrStorage: allocation units times the count.
            "snmp_host_memory_total_bytes " + (24_684_096L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_memory_used_bytes " + (1_489_912L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_memory_free_bytes " + (23_194_184L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_memory_available_bytes " + (23_777_076L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_memory_cached_bytes " + (1_292_692L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_swap_total_bytes " + (2_097_152L * 1024).ToString(CultureInfo.InvariantCulture),
            "snmp_host_swap_used_bytes 1048576",
            "snmp_host_filesystem_size_bytes{mount=\"/\"} " + (66_053_021L * 4096).ToString(CultureInfo.InvariantCulture),
            "snmp_host_filesystem_used_bytes{mount=\"/\"} " + (9_000_000L * 4096).ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line, lines);
        }
        // A disk whose size overflowed Integer32 (negative) is left out rather than reported wrong.
        Assert.DoesNotContain(lines, l => l.Contains("odd", StringComparison.Ordinal));
        // "Virtual memory" and "Cached memory" rows are not disks; the repeated "/" (a bind mount) is one series.
        Assert.Single(lines, l => l.StartsWith("snmp_host_filesystem_size_bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task System_cpu_comes_from_ssCpuRawSystem_where_net_snmp_on_linux_leaves_ssCpuRawKernel_at_0()
    {
        var linux = HostMib.Linux.Select(v => v.Oid.ToString() == "1.3.6.1.4.1.2021.11.55.0"
            ? new Varbind(v.Oid, SnmpValue.Counter32(0)) : v);
        var text = await RenderAsync(new MibClient(linux));
        Assert.Contains("snmp_host_cpu_seconds_total{mode=\"system\"} 99.99\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_without_ucd_or_hrSystemUptime_gives_what_it_has_and_nothing_invented()
    {
        var text = await RenderAsync(new MibClient(HostMib.Minimal));
        Assert.Contains("snmp_host_uptime_seconds 50\n", text, StringComparison.Ordinal);
        Assert.Contains("snmp_host_memory_total_bytes 65536000\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_cpu_seconds_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_swap", text, StringComparison.Ordinal);
        Assert.DoesNotContain("snmp_host_load1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_family_appears_once_with_every_host_under_it_and_labels_escaped()
    {
        var text = new StringBuilder();
        MetricsText.Write(text,
        [
            new PollReport("node-1", true, 0.1, [new("snmp_host_filesystem_size_bytes", 10, "mount", "/a \"b\"\\c")], null, null,
                new Dictionary<string, long>(), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)),
            new PollReport("node-2", false, 2, [], "no answer", "timeout", new Dictionary<string, long> { ["timeout"] = 3 },
                DateTimeOffset.FromUnixTimeSeconds(1_800_000_001)),
        ]);
        var output = text.ToString();
        Assert.Equal(1, Count(output, "# TYPE snmp_up gauge\n"));
        Assert.Contains("snmp_up{host=\"node-1\"} 1\nsnmp_up{host=\"node-2\"} 0\n", output, StringComparison.Ordinal);
        Assert.Contains("snmp_poll_errors_total{host=\"node-2\",reason=\"timeout\"} 3\n", output, StringComparison.Ordinal);
        Assert.Contains("snmp_poll_timestamp_seconds{host=\"node-2\"} 1800000001\n", output, StringComparison.Ordinal);
        Assert.Contains("snmp_host_filesystem_size_bytes{host=\"node-1\",mount=\"/a \\\"b\\\"\\\\c\"} 10\n", output, StringComparison.Ordinal);
        Assert.Contains("# TYPE snmp_poll_errors_total counter\n", output, StringComparison.Ordinal);
    }

    private static int Count(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
