using System.Globalization;
using System.Text;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// Writes poll reports in the Prometheus text format (0.0.4), one block per metric family with every host's
/// samples in it: the format wants a family's samples together, under one HELP and TYPE.
/// </summary>
public static class MetricsText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private sealed record Family(string Name, string Type, string Help);

    private static readonly Family[] Families =
    [
        new("snmp_up", "gauge", "1 if the last poll of the host answered, else 0."),
        new("snmp_poll_duration_seconds", "gauge", "How long the last poll of the host took."),
        new("snmp_poll_errors_total", "counter", "Failed polls of the host, by reason."),
        new("snmp_poll_timestamp_seconds", "gauge", "When the last poll of the host finished, in Unix seconds."),
        new("snmp_host_uptime_seconds", "gauge", "Host uptime: hrSystemUptime, or sysUpTime where the agent lacks it."),
        new("snmp_host_cpu_load_ratio", "gauge", "Average load of each processor over the last minute (hrProcessorLoad / 100)."),
        new("snmp_host_cpu_seconds_total", "counter", "CPU time by mode, all processors together (UCD-SNMP-MIB ssCpuRaw*)."),
        new("snmp_host_load1", "gauge", "1-minute load average (UCD-SNMP-MIB laLoad.1)."),
        new("snmp_host_load5", "gauge", "5-minute load average (UCD-SNMP-MIB laLoad.2)."),
        new("snmp_host_load15", "gauge", "15-minute load average (UCD-SNMP-MIB laLoad.3)."),
        new("snmp_host_memory_total_bytes", "gauge", "Physical memory (hrStorageRam; else UCD memTotalReal)."),
        new("snmp_host_memory_used_bytes", "gauge", "Physical memory in use, buffers and cache included (hrStorageRam)."),
        new("snmp_host_memory_free_bytes", "gauge", "Physical memory unused (UCD memAvailReal; MemFree on Linux)."),
        new("snmp_host_memory_available_bytes", "gauge", "Physical memory available for new work (UCD memSysAvail; MemAvailable on Linux)."),
        new("snmp_host_memory_buffers_bytes", "gauge", "Memory used for buffers (UCD memBuffer)."),
        new("snmp_host_memory_cached_bytes", "gauge", "Memory used for the page cache (UCD memCached)."),
        new("snmp_host_swap_total_bytes", "gauge", "Swap space (hrStorage \"Swap space\"; else UCD memTotalSwap)."),
        new("snmp_host_swap_used_bytes", "gauge", "Swap space in use."),
        new("snmp_host_filesystem_size_bytes", "gauge", "Size of each fixed disk (hrStorageFixedDisk), by mount point."),
        new("snmp_host_filesystem_used_bytes", "gauge", "Space used on each fixed disk, by mount point."),
    ];

    private static readonly HashSet<string> Known = Families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

    public static bool IsKnownFamily(string name) => Known.Contains(name);

    public static void Write(StringBuilder output, IReadOnlyList<PollReport> reports)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reports);
        foreach (var report in reports)
        {
            if (report.Error is not null && report.Host is null)
            {
                // A comment: Prometheus ignores it, a person reading /snmp in a browser sees why it is down.
                output.Append("# error: ").Append(report.Error.ReplaceLineEndings(" ")).Append('\n');
            }
        }
        foreach (var family in Families)
        {
            var headerWritten = false;
            foreach (var report in reports)
            {
                foreach (var (labelName, labelValue, value) in SamplesOf(family.Name, report))
                {
                    if (!headerWritten)
                    {
                        output.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help).Append('\n');
                        output.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
                        headerWritten = true;
                    }
                    output.Append(family.Name);
                    var first = true;
                    if (report.Host is not null)
                    {
                        Label(output, ref first, "host", report.Host);
                    }
                    if (labelName is not null)
                    {
                        Label(output, ref first, labelName, labelValue ?? "");
                    }
                    if (!first)
                    {
                        output.Append('}');
                    }
                    output.Append(' ').Append(Format(value)).Append('\n');
                }
            }
        }
    }

    private static IEnumerable<(string? LabelName, string? LabelValue, double Value)> SamplesOf(string family, PollReport report)
    {
        switch (family)
        {
            case "snmp_up":
                yield return (null, null, report.Up ? 1 : 0);
                yield break;
            case "snmp_poll_duration_seconds":
                yield return (null, null, report.DurationSeconds);
                yield break;
            case "snmp_poll_errors_total":
                foreach (var (reason, count) in report.ErrorCounts ?? new Dictionary<string, long>())
                {
                    yield return ("reason", reason, count);
                }
                yield break;
            case "snmp_poll_timestamp_seconds":
                if (report.CompletedAt is { } at)
                {
                    yield return (null, null, at.ToUnixTimeMilliseconds() / 1000.0);
                }
                yield break;
        }
        foreach (var sample in report.Samples)
        {
            if (sample.Family == family)
            {
                yield return (sample.LabelName, sample.LabelValue, sample.Value);
            }
        }
    }

    private static void Label(StringBuilder output, ref bool first, string name, string value)
    {
        output.Append(first ? '{' : ',').Append(name).Append("=\"");
        first = false;
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => output.Append("\\\\"),
                '"' => output.Append("\\\""),
                '\n' => output.Append("\\n"),
                _ => output.Append(c),
            };
        }
        output.Append('"');
    }

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString(CultureInfo.InvariantCulture);
}
