using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PretixOps.Benchmarks;

/// <summary>
/// N registrations over C connections against Registration + DiscoveryWriter on the real broker, until the
/// last one is in the file_sd file; beside it, in the same run, the same load against a do-nothing Kestrel
/// endpoint (the HTTP floor). Also: file writes per 1,000 registrations, peak memory, and the time from
/// POST to the target being up in a real Prometheus.
/// </summary>
internal static partial class RegistrationBenchmark
{
    private const string Token = "bench-token-0123456789abcdef";
    private const string Job = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = Option(args, "--count", 20_000);
        var connections = Option(args, "--connections", 64);
        var folder = Directory.CreateTempSubdirectory("pretixops-bench-").FullName;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## Registration + DiscoveryWriter ({count:N0} registrations, {connections} connections)");
        report.AppendLine();

        // The floor first, alone on the machine.
        var floorPort = Machine.FreePort();
        var self = Path.Combine(AppContext.BaseDirectory, "PretixOps.Benchmarks.dll");
        var floor = Machine.Start("dotnet", [self, "floor", floorPort.ToString(CultureInfo.InvariantCulture)]);
        var floorAddress = new Uri($"http://127.0.0.1:{floorPort}/");
        await Machine.WaitReadyAsync(floorAddress);
        var floorRun = await LoadAsync(floorAddress, count, connections, offset: 0);
        Machine.Stop(floor);

        var instance = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var writer = await Machine.StartServiceAsync("DiscoveryWriter", new Dictionary<string, string>
        {
            ["Auth__Tokens__0"] = Token,
            ["DiscoveryWriter__OutputDirectory"] = Path.Combine(folder, "sd"),
            ["DiscoveryWriter__StateDirectory"] = Path.Combine(folder, "state"),
            ["DiscoveryWriter__InstanceName"] = instance,
            ["Log__Format"] = "json",
        });
        // Registering takes a credential with the role register.
        var registration = await Machine.StartServiceAsync("Registration", new Dictionary<string, string>
        {
            ["Auth__Credentials__0__Name"] = "bench",
            ["Auth__Credentials__0__Token"] = Token,
            ["Auth__Credentials__0__Roles__0"] = "register",
            ["Auth__Credentials__0__Roles__1"] = "register-any-address",
            ["Auth__Credentials__0__Services__0"] = "*",
        });
        try
        {
            var file = Path.Combine(folder, "sd", Job + ".json");
            var started = Stopwatch.StartNew();
            var ours = await LoadAsync(registration.Address, count, connections, offset: 0);
            var accepted = ours.Accepted;
            while (CountTargets(file) < accepted)
            {
                await Task.Delay(20);
            }

            var untilInFiles = started.Elapsed;
            var writes = await FileWritesAsync(writer.Address);
            var upLatencies = await PostToUpAsync(registration.Address, writer.Address, Path.Combine(folder, "sd"));

            var ourRate = accepted / untilInFiles.TotalSeconds;
            report.AppendLine("| measure | PretixOps | floor (do-nothing Kestrel) | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| registrations/s answered 202 | {ours.Rate:N0} | {floorRun.Rate:N0} | {ours.Rate / floorRun.Rate:P0} |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| registrations/s until the last is in the file | {ourRate:N0} | {floorRun.Rate:N0} | {ourRate / floorRun.Rate:P0} |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| request latency p50 / p99 (ms) | {ours.P50:N1} / {ours.P99:N1} | {floorRun.P50:N1} / {floorRun.P99:N1} | |");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"- accepted: {accepted:N0} of {count:N0}; in the file after {untilInFiles.TotalSeconds:N1} s");
            report.AppendLine(CultureInfo.InvariantCulture, $"- file writes: {writes:N0} for {accepted:N0} registrations = {writes * 1000.0 / accepted:N2} per 1,000");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- peak memory: Registration {Machine.PeakMemoryMiB(registration.Process):N0} MiB, DiscoveryWriter {Machine.PeakMemoryMiB(writer.Process):N0} MiB");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- POST to target up in Prometheus (scrape and file_sd refresh every 1 s), {upLatencies.Count} runs: median {Median(upLatencies):N2} s, max {upLatencies.Max():N2} s");
        }
        finally
        {
            Machine.Stop(registration.Process);
            Machine.Stop(writer.Process);
            await DeleteQueueAsync("discovery-writer-" + instance);
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine(report);
        var output = Path.Combine(Machine.Root, ".local", "bench");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "registration.md"), report.ToString());
        return 0;
    }

    private sealed record Load(int Accepted, double Rate, double P50, double P99);

    private static async Task<Load> LoadAsync(Uri address, int count, int connections, int offset)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        var latencies = new double[count];
        var accepted = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = $$"""{"service":"bench_web","slot":{{i + offset + 1}},"address":"10.{{(i >> 16) & 255}}.{{(i >> 8) & 255}}.{{i & 255}}","ttlSeconds":0,"exporters":[{"job":"{{Job}}","port":9100}]}""";
                var sent = Stopwatch.GetTimestamp();
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri("v1/instances", UriKind.Relative), content);
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new Load(accepted, count / elapsed, latencies[count / 2], latencies[(int)(count * 0.99)]);
    }

    /// <summary>Registers an instance whose exporter is DiscoveryWriter's own /metrics and times until Prometheus has it up.</summary>
    private static async Task<List<double>> PostToUpAsync(Uri registration, Uri writer, string sdFolder)
    {
        var promFolder = Directory.CreateTempSubdirectory("pretixops-bench-prom-").FullName;
        var port = Machine.FreePort();
        await File.WriteAllTextAsync(Path.Combine(promFolder, "prometheus.yml"), $"""
            global: {"{"}scrape_interval: 1s, scrape_timeout: 1s{"}"}
            scrape_configs:
              - job_name: up
                file_sd_configs: [{"{"}files: ['{sdFolder}/bench-up.json'], refresh_interval: 1s{"}"}]
            """);
        var prometheus = Machine.Start("prometheus", [$"--config.file={promFolder}/prometheus.yml", $"--storage.tsdb.path={promFolder}/data", $"--web.listen-address=127.0.0.1:{port}"]);
        var results = new List<double>();
        try
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            var api = new Uri($"http://127.0.0.1:{port}/");
            await Machine.WaitReadyAsync(api, "-/ready");
            for (var run = 1; run <= 5; run++)
            {
                var body = $$"""{"service":"bench_up","slot":{{run}},"address":"127.0.0.1","ttlSeconds":0,"exporters":[{"job":"bench-up","port":{{writer.Port}}}]}""";
                var clock = Stopwatch.StartNew();
                using (var content = new StringContent(body, Encoding.UTF8, "application/json"))
                using (var response = await http.PostAsync(new Uri(registration, "v1/instances"), content))
                {
                    response.EnsureSuccessStatusCode();
                }

                while (!await IsUpAsync(http, api, $"bench_up.{run}"))
                {
                    await Task.Delay(50);
                }

                results.Add(clock.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            Machine.Stop(prometheus);
            Directory.Delete(promFolder, recursive: true);
        }

        return results;
    }

    private static async Task<bool> IsUpAsync(HttpClient http, Uri prometheus, string instanceId)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, "api/v1/targets?state=active")));
        return json.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Any(t =>
            t.GetProperty("labels").TryGetProperty("instance_id", out var id) && id.GetString() == instanceId
            && t.GetProperty("health").GetString() == "up");
    }

    private static async Task<double> FileWritesAsync(Uri writer)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(writer, "metrics"));
        var match = FileWritesLine().Match(metrics);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static int CountTargets(string file)
    {
        if (!File.Exists(file))
        {
            return 0;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        return json.RootElement.GetArrayLength();
    }

    /// <summary>The benchmark replica's durable queue would otherwise linger in the local broker for a day.</summary>
    private static async Task DeleteQueueAsync(string queue)
    {
        using var management = Machine.Management();
        using var response = await management.DeleteAsync(new Uri($"queues/%2F/{Uri.EscapeDataString(queue)}", UriKind.Relative));
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    [GeneratedRegex("pretixops_discovery_file_writes_total\\{job=\"bench\"\\} ([0-9.e+]+)")]
    private static partial Regex FileWritesLine();
}
