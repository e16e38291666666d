using System.Globalization;
using PretixOps.Snmp;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// The <c>host</c> module: uptime, CPU, memory, swap and disks from HOST-RESOURCES-MIB (RFC 2790), plus
/// UCD-SNMP-MIB where the agent has it (net-snmp does). One poll is one GET for the scalars and, at the same
/// time, one GETBULK walk that advances the processor column and the five storage columns side by side.
/// </summary>
public static class HostModule
{
    public const string Name = "host";

    public static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    public static readonly Oid HrSystemUptime = Oid.Parse("1.3.6.1.2.1.25.1.1.0");
    public static readonly Oid HrProcessorLoad = Oid.Parse("1.3.6.1.2.1.25.3.3.1.2");
    public static readonly Oid HrStorageType = Oid.Parse("1.3.6.1.2.1.25.2.3.1.2");
    public static readonly Oid HrStorageDescr = Oid.Parse("1.3.6.1.2.1.25.2.3.1.3");
    public static readonly Oid HrStorageAllocationUnits = Oid.Parse("1.3.6.1.2.1.25.2.3.1.4");
    public static readonly Oid HrStorageSize = Oid.Parse("1.3.6.1.2.1.25.2.3.1.5");
    public static readonly Oid HrStorageUsed = Oid.Parse("1.3.6.1.2.1.25.2.3.1.6");

    private static readonly Oid HrStorageRam = Oid.Parse("1.3.6.1.2.1.25.2.1.2");
    private static readonly Oid HrStorageVirtualMemory = Oid.Parse("1.3.6.1.2.1.25.2.1.3");
    private static readonly Oid HrStorageFixedDisk = Oid.Parse("1.3.6.1.2.1.25.2.1.4");

    // UCD-SNMP-MIB memory (kB) and CPU (ticks) scalars.
    private static readonly Oid MemTotalSwap = Oid.Parse("1.3.6.1.4.1.2021.4.3.0");
    private static readonly Oid MemAvailSwap = Oid.Parse("1.3.6.1.4.1.2021.4.4.0");
    private static readonly Oid MemTotalReal = Oid.Parse("1.3.6.1.4.1.2021.4.5.0");
    private static readonly Oid MemAvailReal = Oid.Parse("1.3.6.1.4.1.2021.4.6.0");
    private static readonly Oid MemBuffer = Oid.Parse("1.3.6.1.4.1.2021.4.14.0");
    private static readonly Oid MemSysAvail = Oid.Parse("1.3.6.1.4.1.2021.4.27.0");
    private static readonly Oid MemCached = Oid.Parse("1.3.6.1.4.1.2021.4.15.0");
    private static readonly Oid SsCpuRawSystem = Oid.Parse("1.3.6.1.4.1.2021.11.52.0");
    private static readonly Oid SsCpuRawKernel = Oid.Parse("1.3.6.1.4.1.2021.11.55.0");

    /// <summary>
    /// CPU modes from UCD's raw counters. "system" is ssCpuRawKernel where the agent fills it (the BSDs, where
    /// ssCpuRawSystem also counts interrupts), else ssCpuRawSystem: net-snmp on Linux answers Kernel with 0.
    /// </summary>
    private static readonly (string Mode, Oid Oid)[] CpuModes =
    [
        ("user", Oid.Parse("1.3.6.1.4.1.2021.11.50.0")),
        ("nice", Oid.Parse("1.3.6.1.4.1.2021.11.51.0")),
        ("system", SsCpuRawKernel),
        ("idle", Oid.Parse("1.3.6.1.4.1.2021.11.53.0")),
        ("iowait", Oid.Parse("1.3.6.1.4.1.2021.11.54.0")),
        ("irq", Oid.Parse("1.3.6.1.4.1.2021.11.56.0")),
        ("softirq", Oid.Parse("1.3.6.1.4.1.2021.11.61.0")),
        ("steal", Oid.Parse("1.3.6.1.4.1.2021.11.64.0")),
    ];

    private static readonly (string Family, Oid Oid)[] LoadAverages =
    [
        ("snmp_host_load1", Oid.Parse("1.3.6.1.4.1.2021.10.1.3.1")),
        ("snmp_host_load5", Oid.Parse("1.3.6.1.4.1.2021.10.1.3.2")),
        ("snmp_host_load15", Oid.Parse("1.3.6.1.4.1.2021.10.1.3.3")),
    ];

    /// <summary>Every scalar the module reads, in one GET.</summary>
    public static readonly IReadOnlyList<Oid> Scalars =
    [
        HrSystemUptime, SysUpTime, MemTotalReal, MemAvailReal, MemSysAvail, MemTotalSwap, MemAvailSwap, MemBuffer, MemCached, SsCpuRawSystem,
        .. CpuModes.Select(m => m.Oid), .. LoadAverages.Select(l => l.Oid),
    ];

    /// <summary>Every subtree the module walks.</summary>
    public static readonly IReadOnlyList<Oid> Subtrees =
        [HrProcessorLoad, HrStorageType, HrStorageDescr, HrStorageAllocationUnits, HrStorageSize, HrStorageUsed];

    /// <summary>UCD's CPU counters are in ticks; net-snmp on Linux reports USER_HZ, 100 per second.</summary>
    private const double TicksPerSecond = 100;

    public static async Task<IReadOnlyList<MetricSample>> PollAsync(ISnmpClient client, SnmpTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var scalars = client.GetAsync(target, Scalars, cancellationToken);
        var tables = client.WalkAsync(target, Subtrees, cancellationToken);
        await Task.WhenAll(scalars, tables);
        return Interpret(await scalars, await tables);
    }

    /// <summary>Turns what the agent returned into samples; what the agent lacks is left out, not zero.</summary>
    public static IReadOnlyList<MetricSample> Interpret(IReadOnlyList<Varbind> scalars, IReadOnlyList<Varbind> tables)
    {
        ArgumentNullException.ThrowIfNull(scalars);
        ArgumentNullException.ThrowIfNull(tables);
        var values = new Dictionary<Oid, SnmpValue>();
        foreach (var binding in scalars)
        {
            if (!binding.Value.IsException)
            {
                values[binding.Oid] = binding.Value;
            }
        }
        var samples = new List<MetricSample>();

        var uptime = Number(values, HrSystemUptime) ?? Number(values, SysUpTime);
        if (uptime is { } ticks)
        {
            samples.Add(new("snmp_host_uptime_seconds", ticks / 100));
        }

        foreach (var binding in tables.Where(b => b.Oid.StartsWith(HrProcessorLoad) && b.Value.IsNumber))
        {
            samples.Add(new("snmp_host_cpu_load_ratio", binding.Value.AsDouble() / 100, "cpu", Index(binding.Oid, HrProcessorLoad)));
        }
        foreach (var (mode, oid) in CpuModes)
        {
            var counter = Number(values, oid);
            if (mode == "system" && counter is null or 0)
            {
                counter = Number(values, SsCpuRawSystem) ?? counter;
            }
            if (counter is { } value)
            {
                samples.Add(new("snmp_host_cpu_seconds_total", value / TicksPerSecond, "mode", mode));
            }
        }
        foreach (var (family, oid) in LoadAverages)
        {
            if (values.TryGetValue(oid, out var text) && text.Type == SnmpType.OctetString &&
                double.TryParse(text.AsText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var load))
            {
                samples.Add(new(family, load));
            }
        }

        var storage = StorageRows(tables);
        var ram = storage.FirstOrDefault(row => row.Type == HrStorageRam);
        var swap = storage.FirstOrDefault(row => row.Type == HrStorageVirtualMemory && row.Description.Contains("swap", StringComparison.OrdinalIgnoreCase));
        AddMemory(samples, "snmp_host_memory", ram?.Size ?? Kilobytes(values, MemTotalReal), ram?.Used);
        // On Linux, memAvailReal is MemFree; memSysAvail (newer net-snmp) is MemAvailable, what a person means by available.
        AddOptional(samples, "snmp_host_memory_free_bytes", Kilobytes(values, MemAvailReal));
        AddOptional(samples, "snmp_host_memory_available_bytes", Kilobytes(values, MemSysAvail));
        AddOptional(samples, "snmp_host_memory_buffers_bytes", Kilobytes(values, MemBuffer));
        AddOptional(samples, "snmp_host_memory_cached_bytes", Kilobytes(values, MemCached));
        var swapTotal = swap?.Size ?? Kilobytes(values, MemTotalSwap);
        var swapUsed = swap?.Used ?? (swapTotal - Kilobytes(values, MemAvailSwap));
        AddMemory(samples, "snmp_host_swap", swapTotal, swapUsed);
        // Bind mounts can repeat a description; two series with one label set would be refused, so the first row wins.
        foreach (var disk in storage.Where(row => row.Type == HrStorageFixedDisk).DistinctBy(row => row.Description))
        {
            samples.Add(new("snmp_host_filesystem_size_bytes", disk.Size, "mount", disk.Description));
            if (disk.Used is { } used)
            {
                samples.Add(new("snmp_host_filesystem_used_bytes", used, "mount", disk.Description));
            }
        }
        return samples;
    }

    private sealed record StorageRow(string Index, Oid Type, string Description, double Size, double? Used);

    private static List<StorageRow> StorageRows(IReadOnlyList<Varbind> tables)
    {
        Dictionary<string, SnmpValue> Column(Oid column) => tables
            .Where(b => b.Oid.StartsWith(column) && b.Oid.Length > column.Length && !b.Value.IsException)
            .GroupBy(b => Index(b.Oid, column))
            .ToDictionary(g => g.Key, g => g.First().Value);

        var types = Column(HrStorageType);
        var descriptions = Column(HrStorageDescr);
        var units = Column(HrStorageAllocationUnits);
        var sizes = Column(HrStorageSize);
        var used = Column(HrStorageUsed);
        var rows = new List<StorageRow>();
        foreach (var (index, type) in types)
        {
            // Sizes are Integer32 counts of allocation units; an agent that overflowed them reports negatives: skip those.
            if (type.Type != SnmpType.ObjectIdentifier || !descriptions.TryGetValue(index, out var description) ||
                !units.TryGetValue(index, out var unit) || !unit.IsNumber || unit.AsDouble() <= 0 ||
                !sizes.TryGetValue(index, out var size) || !size.IsNumber || size.AsDouble() < 0)
            {
                continue;
            }
            double? usedBytes = used.TryGetValue(index, out var u) && u.IsNumber && u.AsDouble() >= 0 ? u.AsDouble() * unit.AsDouble() : null;
            rows.Add(new StorageRow(index, type.AsOid(), description.Type == SnmpType.OctetString ? description.AsText() : description.ToString(),
                size.AsDouble() * unit.AsDouble(), usedBytes));
        }
        return rows;
    }

    private static void AddMemory(List<MetricSample> samples, string prefix, double? total, double? used)
    {
        AddOptional(samples, prefix + "_total_bytes", total);
        AddOptional(samples, prefix + "_used_bytes", used);
    }

    private static void AddOptional(List<MetricSample> samples, string family, double? value)
    {
        if (value is { } v)
        {
            samples.Add(new(family, v));
        }
    }

    private static double? Number(Dictionary<Oid, SnmpValue> values, Oid oid) =>
        values.TryGetValue(oid, out var value) && value.IsNumber ? value.AsDouble() : null;

    private static double? Kilobytes(Dictionary<Oid, SnmpValue> values, Oid oid) => Number(values, oid) * 1024;

    private static string Index(Oid oid, Oid column)
    {
        var suffix = oid.SuffixAfter(column);
        return string.Join('.', suffix.ToArray().Select(arc => arc.ToString(CultureInfo.InvariantCulture)));
    }
}
