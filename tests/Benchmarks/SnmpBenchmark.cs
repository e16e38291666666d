using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using PretixOps.Snmp;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.Benchmarks;

/// <summary>
/// SnmpPoller's on-demand <c>/snmp</c> beside Debian's prometheus-snmp-exporter 0.21, both asking one local snmpd
/// for the same OIDs (the host module), one exporter at a time, at concurrency 1 and 8: scrapes per second and CPU
/// per scrape of each exporter process (and of snmpd). Then fleet polling: N agents, 25 ports per snmpd process,
/// polled every 10 s by one SnmpPoller: its share of a core and its memory beside an idle SnmpPoller's, and whether
/// every poll came back. Needs no broker and none of the local infrastructure: all it starts is its own, on free ports.
/// </summary>
internal static partial class SnmpBenchmark
{
    private const string SnmpExporterBinary = "/usr/bin/prometheus-snmp-exporter";
    private const string Community = "public";
    private const int AgentsPerSnmpd = 25;

    private const string Token = "bench-token-0123456789abcdef";
    private const string SysUpTime = "1.3.6.1.2.1.1.3.0";

    /// <summary>SNMPv2-MIB snmpInPkts: every datagram the agent received, so both exporters' requests are counted alike.</summary>
    private const string SnmpInPkts = "1.3.6.1.2.1.11.1.0";

    private static readonly int[] Concurrencies = [1, 8];

    /// <summary>
    /// Before any measuring, and longer than a few hundred scrapes would need: .NET's JIT recompiles hot code at tier 1
    /// on a background thread for tens of seconds after start, and that CPU would count against the first run.
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FleetInterval = TimeSpan.FromSeconds(10);

    /// <summary>For the same reason: three polls of every host before the window opens.</summary>
    private static readonly TimeSpan FleetSettle = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FleetWindow = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The snmp_exporter metric for each object the host module reads, as its generator writes them: INTEGER, Gauge32
    /// and TimeTicks are gauges, Counter32 counters, strings DisplayString, table columns indexed by the table's index.
    /// Scalars are named by the object, without the ".0" the <c>get</c> list carries.
    /// </summary>
    private static readonly ExporterMetric[] ExporterMetrics =
    [
        new("1.3.6.1.2.1.1.3", "sysUpTime", "gauge"),
        new("1.3.6.1.2.1.25.1.1", "hrSystemUptime", "gauge"),
        new("1.3.6.1.4.1.2021.4.3", "memTotalSwap", "gauge"),
        new("1.3.6.1.4.1.2021.4.4", "memAvailSwap", "gauge"),
        new("1.3.6.1.4.1.2021.4.5", "memTotalReal", "gauge"),
        new("1.3.6.1.4.1.2021.4.6", "memAvailReal", "gauge"),
        new("1.3.6.1.4.1.2021.4.14", "memBuffer", "gauge"),
        new("1.3.6.1.4.1.2021.4.27", "memSysAvail", "counter"),
        new("1.3.6.1.4.1.2021.4.15", "memCached", "gauge"),
        new("1.3.6.1.4.1.2021.11.50", "ssCpuRawUser", "counter"),
        new("1.3.6.1.4.1.2021.11.51", "ssCpuRawNice", "counter"),
        new("1.3.6.1.4.1.2021.11.52", "ssCpuRawSystem", "counter"),
        new("1.3.6.1.4.1.2021.11.53", "ssCpuRawIdle", "counter"),
        new("1.3.6.1.4.1.2021.11.54", "ssCpuRawWait", "counter"),
        new("1.3.6.1.4.1.2021.11.55", "ssCpuRawKernel", "counter"),
        new("1.3.6.1.4.1.2021.11.56", "ssCpuRawInterrupt", "counter"),
        new("1.3.6.1.4.1.2021.11.61", "ssCpuRawSoftIRQ", "counter"),
        new("1.3.6.1.4.1.2021.11.64", "ssCpuRawSteal", "counter"),
        // laLoad is a string ("0.42"); the host module turns it into a number, so the exporter must too.
        new("1.3.6.1.4.1.2021.10.1.3", "laLoad", "DisplayString", "laIndex", AsNumber: true),
        new("1.3.6.1.2.1.25.3.3.1.2", "hrProcessorLoad", "gauge", "hrDeviceIndex"),
        // The generator skips OBJECT IDENTIFIER columns unless overridden; the override is DisplayString, as here.
        new("1.3.6.1.2.1.25.2.3.1.2", "hrStorageType", "DisplayString", "hrStorageIndex"),
        new("1.3.6.1.2.1.25.2.3.1.3", "hrStorageDescr", "DisplayString", "hrStorageIndex"),
        // The host module labels storage by its description: the exporter's equivalent is a lookup.
        new("1.3.6.1.2.1.25.2.3.1.4", "hrStorageAllocationUnits", "gauge", "hrStorageIndex", LookUpDescription: true),
        new("1.3.6.1.2.1.25.2.3.1.5", "hrStorageSize", "gauge", "hrStorageIndex", LookUpDescription: true),
        new("1.3.6.1.2.1.25.2.3.1.6", "hrStorageUsed", "gauge", "hrStorageIndex", LookUpDescription: true),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(RegistrationBenchmark.Option(args, "--duration", 15));
        var agents = RegistrationBenchmark.Option(args, "--agents", 100);
        if (!File.Exists(SnmpExporterBinary))
        {
            Console.Error.WriteLine($"{SnmpExporterBinary} is missing: apt-get install prometheus-snmp-exporter");
            return 2;
        }

        var folder = Directory.CreateTempSubdirectory("pretixops-bench-snmp-").FullName;
        try
        {
            var report = new StringBuilder();
            var scrapesClean = await CompareAsync(report, folder, duration);
            var fleetClean = await FleetAsync(report, folder, agents);
            Console.WriteLine(report);
            var output = Path.Combine(Machine.Root, ".local", "bench");
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "snmp.md"), report.ToString());
            return scrapesClean && fleetClean ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record ExporterMetric(string Oid, string Name, string Type, string? Index = null, bool AsNumber = false, bool LookUpDescription = false);

    /// <summary>One exporter under test: the process whose CPU is counted, the URL scraped, and what a good answer holds.</summary>
    private sealed record Scraped(string Name, Process Process, Uri Url, string[] Expected);

    private sealed record Run(int Scrapes, int Failed, double Seconds, double CpuSeconds, double SnmpdCpuSeconds, long Requests)
    {
        public double PerSecond => (Scrapes - Failed) / Seconds;

        public double CpuMsPerScrape => CpuSeconds * 1000 / Scrapes;

        public double SnmpdCpuMsPerScrape => SnmpdCpuSeconds * 1000 / Scrapes;

        public double RequestsPerScrape => (double)Requests / Scrapes;
    }

    private static async Task<bool> CompareAsync(StringBuilder report, string folder, TimeSpan duration)
    {
        var port = Machine.FreeUdpPorts(1)[0];
        var started = new List<Process>();
        try
        {
            var snmpd = await StartSnmpdAsync(folder, "compare", [port], started);
            var target = $"127.0.0.1:{port}";

            var config = Path.Combine(folder, "snmp.yml");
            await File.WriteAllTextAsync(config, ExporterConfig());
            var exporterAddress = new Uri($"http://127.0.0.1:{Machine.FreePort()}/");
            var exporter = Machine.Start(SnmpExporterBinary, [$"--config.file={config}", $"--web.listen-address={exporterAddress.Authority}"]);
            started.Add(exporter);
            await Machine.WaitReadyAsync(exporterAddress, "metrics");

            // /snmp polls only the hosts it knows and takes a token: the agent is configured, the token sent with each scrape
            // (snmp_exporter ignores it).
            var poller = await Machine.StartServiceWithoutBrokerAsync("SnmpPoller", new Dictionary<string, string>
            {
                ["SnmpPoller__Discovery__Enabled"] = "false",
                ["SnmpPoller__Hosts__0__Name"] = "agent",
                ["SnmpPoller__Hosts__0__Address"] = "127.0.0.1",
                ["SnmpPoller__Hosts__0__Port"] = port.ToString(CultureInfo.InvariantCulture),
                // Polled by the scrapes only: the schedule's own polls would add requests to snmpd's count.
                ["SnmpPoller__Hosts__0__Interval"] = "01:00:00",
                ["Auth__Tokens__0"] = Token,
            });
            started.Add(poller.Process);

            // A good answer has the tables and the UCD scalars in it, decoded; each scrape is then checked for the first.
            Scraped[] exporters =
            [
                new("SnmpPoller", poller.Process, new Uri(poller.Address, $"snmp?target={target}&module={HostModule.Name}"),
                    ["snmp_up 1\n", "snmp_host_filesystem_size_bytes{", "snmp_host_memory_available_bytes ", "snmp_host_cpu_seconds_total{", "snmp_host_load1 "]),
                new("snmp_exporter", exporter, new Uri(exporterAddress, $"snmp?target={target}&module={HostModule.Name}"),
                    ["hrStorageUsed{", "hrStorageSize{", "memAvailReal ", "ssCpuRawIdle ", "laLoad{"]),
            ];
            foreach (var scraped in exporters)
            {
                await VerifyAsync(scraped);
                await LoadAsync(scraped, snmpd, port, 8, WarmUp);
            }

            var runs = new Dictionary<(string Exporter, int Concurrency), Run>();
            foreach (var concurrency in Concurrencies)
            {
                foreach (var scraped in exporters)
                {
                    runs[(scraped.Name, concurrency)] = await LoadAsync(scraped, snmpd, port, concurrency, duration);
                }
            }

            report.AppendLine(CultureInfo.InvariantCulture,
                $"## SnmpPoller /snmp vs snmp_exporter 0.21 (module host, one local snmpd, {duration.TotalSeconds:N0} s per run)");
            report.AppendLine();
            report.AppendLine("| measure | SnmpPoller | snmp_exporter 0.21 | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var concurrency in Concurrencies)
            {
                var ours = runs[("SnmpPoller", concurrency)];
                var theirs = runs[("snmp_exporter", concurrency)];
                Row(report, $"scrapes/s, {concurrency} at a time", ours.PerSecond, theirs.PerSecond, "N0");
                Row(report, $"exporter CPU ms per scrape, {concurrency} at a time", ours.CpuMsPerScrape, theirs.CpuMsPerScrape, "N2");
                Row(report, $"snmpd CPU ms per scrape, {concurrency} at a time", ours.SnmpdCpuMsPerScrape, theirs.SnmpdCpuMsPerScrape, "N2");
            }

            var oursAt1 = runs[("SnmpPoller", 1)];
            var theirsAt1 = runs[("snmp_exporter", 1)];
            Row(report, "SNMP requests per scrape (snmpd's snmpInPkts)", oursAt1.RequestsPerScrape, theirsAt1.RequestsPerScrape, "N1");
            Row(report, "peak memory (MiB)", Machine.PeakMemoryMiB(poller.Process), Machine.PeakMemoryMiB(exporter), "N0");
            report.AppendLine();

            var failed = runs.Where(r => r.Value.Failed > 0).Select(r => $"{r.Key.Exporter} at {r.Key.Concurrency}: {r.Value.Failed} of {r.Value.Scrapes}").ToList();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- scrapes: {runs.Values.Sum(r => r.Scrapes):N0}; failed (not 200, or without `snmp_up 1` / `hrStorageUsed`): {(failed.Count == 0 ? "none" : string.Join(", ", failed))}");
            foreach (var concurrency in Concurrencies)
            {
                var ours = runs[("SnmpPoller", concurrency)];
                var theirs = runs[("snmp_exporter", concurrency)];
                var met = ours.PerSecond >= theirs.PerSecond && ours.CpuMsPerScrape <= theirs.CpuMsPerScrape;
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"- goal at concurrency {concurrency} (scrapes/s at least snmp_exporter's, exporter CPU per scrape at most its): {(met ? "met" : "not met")}");
            }
            report.AppendLine("- both exporters: timeout 2 s, 1 retry, max-repetitions 25, SNMP v2c; the load generator shares the machine's cores with them and snmpd.");
            report.AppendLine();
            return failed.Count == 0;
        }
        finally
        {
            StopAll(started);
        }
    }

    private static async Task<bool> FleetAsync(StringBuilder report, string folder, int agents)
    {
        var ports = Machine.FreeUdpPorts(agents);
        var started = new List<Process>();
        try
        {
            var agentProcesses = new List<Process>();
            for (var first = 0; first < agents; first += AgentsPerSnmpd)
            {
                var group = ports.Skip(first).Take(AgentsPerSnmpd).ToList();
                agentProcesses.Add(await StartSnmpdAsync(folder, $"fleet-{first / AgentsPerSnmpd}", group, started));
            }

            var settings = new Dictionary<string, string>
            {
                ["SnmpPoller__Discovery__Enabled"] = "false",
                ["Auth__Tokens__0"] = Token,
                ["SnmpPoller__Interval"] = FleetInterval.ToString("c", CultureInfo.InvariantCulture),
            };
            for (var i = 0; i < agents; i++)
            {
                settings[$"SnmpPoller__Hosts__{i}__Name"] = $"agent-{i:D3}";
                settings[$"SnmpPoller__Hosts__{i}__Address"] = "127.0.0.1";
                settings[$"SnmpPoller__Hosts__{i}__Port"] = ports[i].ToString(CultureInfo.InvariantCulture);
            }

            // The floor: the same service, started at the same time, polling nothing. What it burns (the JIT still
            // tiering up start-up code, timers, the bus retrying its missing broker) is not the polling's.
            var starting = new[]
            {
                Machine.StartServiceWithoutBrokerAsync("SnmpPoller", settings),
                Machine.StartServiceWithoutBrokerAsync("SnmpPoller", new Dictionary<string, string>
                {
                    ["SnmpPoller__Discovery__Enabled"] = "false",
                    ["Auth__Tokens__0"] = Token,
                }),
            };
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                started.AddRange(starting.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.Process));
            }
            var (poller, floor) = (starting[0].Result, starting[1].Result);
            using var http = new HttpClient { BaseAddress = poller.Address };

            await Task.Delay(FleetSettle);
            var before = Polls(await http.GetStringAsync(new Uri("metrics", UriKind.Relative)));
            var cpu = Machine.CpuSeconds(poller.Process);
            var floorCpu = Machine.CpuSeconds(floor.Process);
            var agentCpu = agentProcesses.Sum(Machine.CpuSeconds);
            var clock = Stopwatch.StartNew();
            await Task.Delay(FleetWindow);
            var seconds = clock.Elapsed.TotalSeconds;
            var pollerCpu = Machine.CpuSeconds(poller.Process) - cpu;
            floorCpu = Machine.CpuSeconds(floor.Process) - floorCpu;
            agentCpu = agentProcesses.Sum(Machine.CpuSeconds) - agentCpu;
            var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            var after = Polls(metrics);
            var up = after.Up - before.Up;
            var down = after.Down - before.Down;
            var hosts = UpLine().Matches(metrics).Select(m => m.Groups[1].Value).ToList();
            var hostsDown = hosts.Count(v => v != "1");

            report.AppendLine(CultureInfo.InvariantCulture,
                $"## SnmpPoller fleet polling ({agents} agents on {agentProcesses.Count} snmpd processes, every {FleetInterval.TotalSeconds:N0} s; {FleetWindow.TotalSeconds:N0} s measured after {FleetSettle.TotalSeconds:N0} s)");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"| measure | SnmpPoller, {agents} agents | SnmpPoller, no hosts (floor) | difference |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| CPU, share of one core | {pollerCpu / seconds:P2} | {floorCpu / seconds:P2} | {(pollerCpu - floorCpu) / seconds:P2} |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| CPU ms per poll | {pollerCpu * 1000 / Math.Max(1, up + down):N2} | | {(pollerCpu - floorCpu) * 1000 / Math.Max(1, up + down):N2} |");
            var (memory, floorMemory) = (Machine.MemoryMiB(poller.Process), Machine.MemoryMiB(floor.Process));
            report.AppendLine(CultureInfo.InvariantCulture, $"| memory now (MiB) | {memory:N0} | {floorMemory:N0} | {memory - floorMemory:N0} |");
            var (peak, floorPeak) = (Machine.PeakMemoryMiB(poller.Process), Machine.PeakMemoryMiB(floor.Process));
            report.AppendLine(CultureInfo.InvariantCulture, $"| peak memory (MiB) | {peak:N0} | {floorPeak:N0} | {peak - floorPeak:N0} |");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- polls answered: {up:N0} of {agents * seconds / FleetInterval.TotalSeconds:N0} expected ({agents} agents × {seconds:N0} s / {FleetInterval.TotalSeconds:N0} s); failed: {down:N0}");
            report.AppendLine(CultureInfo.InvariantCulture, $"- hosts at `snmp_up 0` at the end: {hostsDown} of {hosts.Count}");
            report.AppendLine(CultureInfo.InvariantCulture, $"- snmpd, all {agentProcesses.Count} processes: {agentCpu / seconds:P2} of one core");
            report.AppendLine();
            return down == 0 && hostsDown == 0 && hosts.Count == agents;
        }
        finally
        {
            StopAll(started);
        }
    }

    private static void Row(StringBuilder report, string measure, double ours, double theirs, string format) =>
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {measure} | {ours.ToString(format, CultureInfo.InvariantCulture)} | {theirs.ToString(format, CultureInfo.InvariantCulture)} | {(theirs > 0 ? (ours / theirs).ToString("P0", CultureInfo.InvariantCulture) : "")} |");

    /// <summary>
    /// snmp.yml in the 0.21 format (auth and settings inside the module; 0.23 moved auth out) with one module, named as
    /// ours: it GETs the host module's scalars and walks its subtrees. Built from <see cref="HostModule"/> itself, so
    /// the two ask for the same OIDs; an object the module reads without a metric here is an error, not a gap.
    /// </summary>
    private static string ExporterConfig()
    {
        ExporterMetric MetricFor(Oid oid, bool scalar) =>
            ExporterMetrics.SingleOrDefault(m => scalar ? oid.Length == Oid.Parse(m.Oid).Length + 1 && oid.StartsWith(Oid.Parse(m.Oid)) : oid == Oid.Parse(m.Oid))
            ?? throw new InvalidOperationException($"The host module reads {oid}, for which the snmp_exporter module has no metric.");

        var metrics = HostModule.Scalars.Select(o => MetricFor(o, scalar: true)).Concat(HostModule.Subtrees.Select(o => MetricFor(o, scalar: false)))
            .Distinct().ToList();
        if (ExporterMetrics.Except(metrics).FirstOrDefault() is { } unused)
        {
            throw new InvalidOperationException($"The host module no longer reads {unused.Name} ({unused.Oid}).");
        }

        var yaml = new StringBuilder();
        yaml.Append(HostModule.Name).Append(":\n  walk:\n");
        foreach (var subtree in HostModule.Subtrees)
        {
            yaml.Append("  - ").Append(subtree).Append('\n');
        }
        yaml.Append("  get:\n");
        foreach (var scalar in HostModule.Scalars)
        {
            yaml.Append("  - ").Append(scalar).Append('\n');
        }
        yaml.Append("  metrics:\n");
        foreach (var metric in metrics)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: {metric.Name}\n    oid: {metric.Oid}\n    type: {metric.Type}\n    help: {metric.Name} - {metric.Oid}\n");
            if (metric.Index is { } index)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"    indexes:\n    - labelname: {index}\n      type: gauge\n");
            }
            if (metric.LookUpDescription)
            {
                yaml.Append("    lookups:\n    - labels:\n      - hrStorageIndex\n      labelname: hrStorageDescr\n      oid: 1.3.6.1.2.1.25.2.3.1.3\n      type: DisplayString\n");
            }
            if (metric.AsNumber)
            {
                // An empty suffix keeps the metric's name; the whole string is parsed as the value.
                yaml.Append("    regex_extracts:\n      '':\n      - regex: ^(.+)$\n        value: $1\n");
            }
        }
        // The same settings as SnmpPoller's defaults (SnmpPollerOptions): 2 s timeout, 1 retry, 25 repetitions.
        yaml.Append(CultureInfo.InvariantCulture,
            $"  version: 2\n  max_repetitions: 25\n  retries: 1\n  timeout: 2s\n  auth:\n    community: {Community}\n");
        return yaml.ToString();
    }

    /// <summary>One scrape of each kind before any measuring: an exporter that answers without the values would measure nothing.</summary>
    private static async Task VerifyAsync(Scraped scraped)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.GetAsync(scraped.Url);
        var body = await response.Content.ReadAsStringAsync();
        var missing = scraped.Expected.Where(e => !body.Contains(e, StringComparison.Ordinal)).ToList();
        if (response.StatusCode != HttpStatusCode.OK || missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{scraped.Name} answered {(int)response.StatusCode} without {string.Join(", ", missing.Select(m => $"'{m.Trim()}'"))}:\n{body}");
        }
    }

    /// <summary>Scrapes from <paramref name="concurrency"/> loops until <paramref name="duration"/> is over.</summary>
    private static async Task<Run> LoadAsync(Scraped scraped, Process snmpd, int port, int concurrency, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        var marker = scraped.Expected[0];
        var scrapes = 0;
        var failed = 0;
        var packets = await SnmpGetAsync(port, SnmpInPkts);
        var cpu = Machine.CpuSeconds(scraped.Process);
        var snmpdCpu = Machine.CpuSeconds(snmpd);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                var good = false;
                try
                {
                    using var response = await http.GetAsync(scraped.Url);
                    var body = await response.Content.ReadAsStringAsync();
                    good = response.StatusCode == HttpStatusCode.OK && body.Contains(marker, StringComparison.Ordinal);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }

                Interlocked.Increment(ref scrapes);
                if (!good)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = Machine.CpuSeconds(scraped.Process) - cpu;
        var snmpdCpuSeconds = Machine.CpuSeconds(snmpd) - snmpdCpu;
        // The second reading counts its own request: one less is the exporter's.
        var requests = long.Parse(await SnmpGetAsync(port, SnmpInPkts), CultureInfo.InvariantCulture)
            - long.Parse(packets, CultureInfo.InvariantCulture) - 1;
        return new Run(scrapes, failed, seconds, cpuSeconds, snmpdCpuSeconds, requests);
    }

    /// <summary>
    /// snmpd in the foreground (-f), so it is our child and stops with us, on its own configuration, state and log,
    /// without MIB files (none are installed; everything here is numeric). Returns once every port answers.
    /// </summary>
    private static async Task<Process> StartSnmpdAsync(string folder, string name, IReadOnlyList<int> ports, List<Process> started)
    {
        var home = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.Combine(home, "persist"));
        var config = Path.Combine(home, "snmpd.conf");
        var log = Path.Combine(home, "snmpd.log");
        await File.WriteAllTextAsync(config,
            $"agentAddress {string.Join(',', ports.Select(p => $"udp:127.0.0.1:{p}"))}\nrocommunity {Community} 127.0.0.1\n");
        var snmpd = Machine.Start("snmpd", ["-f", "-C", "-c", config, "-Lf", log], new Dictionary<string, string>
        {
            ["SNMP_PERSISTENT_DIR"] = Path.Combine(home, "persist"),
            ["MIBS"] = "",
            ["MIBDIRS"] = "/nonexistent",
        });
        started.Add(snmpd);
        foreach (var port in ports)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await SnmpGetAsync(port, SysUpTime);
                    break;
                }
                catch (InvalidOperationException) when (attempt < 20 && !snmpd.HasExited)
                {
                    await Task.Delay(100);
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"snmpd {name} does not answer on udp 127.0.0.1:{port}:\n{ReadTail(log)}", e);
                }
            }
        }
        return snmpd;
    }

    /// <summary>One value through net-snmp's snmpget, as text; an agent that does not answer is an exception.</summary>
    private static async Task<string> SnmpGetAsync(int port, string oid)
    {
        var start = new ProcessStartInfo("snmpget") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-v2c", "-c", Community, "-t", "1", "-r", "0", "-Oqv", $"127.0.0.1:{port}", oid })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MIBS"] = "";
        start.Environment["MIBDIRS"] = "/nonexistent";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("snmpget did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? (await output).Trim()
            : throw new InvalidOperationException($"snmpget {oid} from 127.0.0.1:{port}: {(await error).Trim()}");
    }

    private static (double Up, double Down) Polls(string metrics)
    {
        double Count(string result) => PollsLine().Matches(metrics).Where(m => m.Groups[1].Value == result)
            .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        return (Count("up"), Count("down"));
    }

    private static string ReadTail(string file) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(20)) : "(no log)";

    private static void StopAll(List<Process> processes)
    {
        foreach (var process in Enumerable.Reverse(processes))
        {
            Machine.Stop(process);
        }
    }

    [GeneratedRegex("^snmp_poller_polls_total\\{result=\"(up|down)\"\\} ([0-9.e+]+)$", RegexOptions.Multiline)]
    private static partial Regex PollsLine();

    [GeneratedRegex("^snmp_up\\{host=\"[^\"]*\"\\} ([0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex UpLine();
}
