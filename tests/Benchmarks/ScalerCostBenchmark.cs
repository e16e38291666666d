using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PretixOps.Shared;

namespace PretixOps.Benchmarks;

/// <summary>
/// What reconciling costs: a Scaler whose policy names N unplaceable swarm services, each with one metric target read
/// from a real Prometheus every 5 s (and steady: the gauge sits on the target), beside an idle Scaler with no services,
/// started the same way at the same moment and measured over the same window: its share of a core is the floor (the
/// JIT, timers, the bus, the journal), not the reconciling's.
/// </summary>
internal static class ScalerCostBenchmark
{
    private const string Gauge = "bench_cost_load";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Long enough for every target to have been read a few times and the JIT to have tiered up the hot paths.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = RegistrationBenchmark.Option(args, "--services", 200);
        using var docker = ScalerRig.Docker();
        await using var broker = await BenchBroker.CreateAsync();
        var prefix = $"benchcost{Guid.NewGuid():N}"[..15];
        var names = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D3}").ToList();
        var journals = new[] { BenchBroker.NewJournal(), BenchBroker.NewJournal() };
        var folder = Directory.CreateTempSubdirectory("pretixops-bench-cost-").FullName;
        var created = new ConcurrentBag<string>();
        var started = new List<Process>();
        using var exporter = new GaugeExporter(Gauge);
        try
        {
            // A few at a time: the Engine API takes them one by one anyway, and this is not what is measured.
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            {
                created.Add(await ScalerRig.CreateUnplaceableAsync(docker, name, replicas: 1));
                exporter[$"service=\"{name}\""] = 10;
            });

            var prometheus = await Machine.StartPrometheusAsync(folder, $"""
                global:
                  scrape_interval: {Interval.TotalSeconds:0}s
                  scrape_timeout: 2s
                scrape_configs:
                  - job_name: bench
                    static_configs:
                      - targets: ['127.0.0.1:{exporter.Port}']
                """);
            started.Add(prometheus.Process);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            // Every series scraped before a Scaler asks: a fresh Prometheus answers no series, which is a failing reading.
            await ScalerRig.WaitAsync(async () => await PrometheusCountAsync(http, prometheus.Address) == count, "Prometheus never scraped every series");

            var busy = Path.Combine(folder, "policy.json");
            await File.WriteAllTextAsync(busy, Policy(names, prometheus.Address));
            var idle = Path.Combine(folder, "idle.json");
            await File.WriteAllTextAsync(idle, Policy([], prometheus.Address));
            var starting = new[]
            {
                Machine.StartServiceAsync("Scaler", WithConfigFile(ScalerRig.Settings(broker, journals[0]), busy)),
                Machine.StartServiceAsync("Scaler", WithConfigFile(ScalerRig.Settings(broker, journals[1]), idle)),
            };
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                started.AddRange(starting.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.Process));
            }

            var (scaler, floor) = (starting[0].Result, starting[1].Result);
            await Task.Delay(WarmUp);

            var before = await ReadAsync(http, scaler, floor, prometheus);
            var clock = Stopwatch.StartNew();
            await Task.Delay(Window);
            var after = await ReadAsync(http, scaler, floor, prometheus);
            var seconds = clock.Elapsed.TotalSeconds;
            var failures = after.Failures - before.Failures;
            var memory = (Machine.MemoryMiB(scaler.Process), Machine.MemoryMiB(floor.Process));

            var cpu = (after.Cpu - before.Cpu) / seconds;
            var floorCpu = (after.FloorCpu - before.FloorCpu) / seconds;
            var passes = (after.Passes - before.Passes) / seconds;
            var floorPasses = (after.FloorPasses - before.FloorPasses) / seconds;
            var queries = (after.Queries - before.Queries) / seconds;
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"## Scaler: reconcile cost ({count} services, one metric target each every {Interval.TotalSeconds:0} s; {Window.TotalSeconds:0} s measured after {WarmUp.TotalSeconds:0} s)");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"| measure | Scaler, {count} services | Scaler, no services (floor) | difference | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| CPU, share of one core | {cpu:P2} | {floorCpu:P2} | {cpu - floorCpu:P2} | {cpu / floorCpu:N1}x |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| memory now (MiB) | {memory.Item1:N0} | {memory.Item2:N0} | {memory.Item1 - memory.Item2:N0} | {memory.Item1 / memory.Item2:N2}x |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| reconcile passes per second | {passes:N2} | {floorPasses:N2} | {passes - floorPasses:N2} | |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| Prometheus queries per second | {queries:N1} | 0 | {queries:N1} | |");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- above the floor: {(cpu - floorCpu) * 1000 / queries:N2} ms of CPU per metric reading (query, parse, and its share of the passes).");
            report.AppendLine("- a pass is one count of `pretixops_scaler_reconcile_seconds`: every ReconcileInterval (5 s) one covers all services " +
                "(one Docker list); a changed reading or a signal adds one for its service. The gauges stay on their targets, so nothing changes here.");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- failed readings in the window: {failures:N0}; Prometheus itself (scraping {count} series every {Interval.TotalSeconds:0} s, answering " +
                $"the queries): {(after.PrometheusCpu - before.PrometheusCpu) / seconds:P2} of one core.");
            await ScalerRig.WriteReportAsync("scaler-cost", report.ToString());
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var process in started)
            {
                Machine.Stop(process);
            }

            await Parallel.ForEachAsync(created, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, cancellationToken) =>
            {
                try
                {
                    await docker.Swarm.RemoveServiceAsync(id, cancellationToken);
                }
                catch (Docker.DotNet.DockerApiException e)
                {
                    // One that will not go must not keep the others.
                    await Console.Error.WriteLineAsync($"service {id} not removed: {e.Message}");
                }
            });
            foreach (var journal in journals)
            {
                await broker.DeleteQueueAsync(journal);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Reading(double Cpu, double FloorCpu, double Passes, double FloorPasses, double Queries, double PrometheusCpu, double Failures);

    private static async Task<Reading> ReadAsync(HttpClient http, (Process Process, Uri Address) scaler, (Process Process, Uri Address) floor,
        (Process Process, Uri Address) prometheus) =>
        new(Machine.CpuSeconds(scaler.Process), Machine.CpuSeconds(floor.Process),
            await ScalerRig.MetricAsync(http, scaler.Address, "pretixops_scaler_reconcile_seconds_count"),
            await ScalerRig.MetricAsync(http, floor.Address, "pretixops_scaler_reconcile_seconds_count"),
            await ScalerRig.MetricAsync(http, prometheus.Address, "prometheus_http_requests_total", "handler=\"/api/v1/query\""),
            Machine.CpuSeconds(prometheus.Process),
            await ScalerRig.MetricAsync(http, scaler.Address, "pretixops_scaler_metric_errors_total"));

    private static async Task<int> PrometheusCountAsync(HttpClient http, Uri prometheus)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, $"api/v1/query?query={Uri.EscapeDataString($"count({Gauge})")}")));
        var result = json.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : int.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string> WithConfigFile(Dictionary<string, string> settings, string file)
    {
        settings["ConfigFile"] = file;
        return settings;
    }

    /// <summary>
    /// The policy as a file (ConfigFile): N services times six settings would make an unwieldy environment. Each service
    /// has one metric on its own series; its value is the target per replica, so one replica is where it stays.
    /// </summary>
    private static string Policy(IReadOnlyList<string> names, Uri prometheus) => JsonSerializer.Serialize(new
    {
        Scaler = new
        {
            Prometheus = new { Url = prometheus.ToString() },
            Services = names.ToDictionary(n => n, n => new
            {
                Min = 1,
                Max = 2,
                Metrics = new[]
                {
                    new { Name = "load", Query = $"{Gauge}{{service=\"{n}\"}}", TargetPerReplica = 10, Interval = ScalerRig.Seconds(Interval) },
                },
            }),
        },
    });
}
