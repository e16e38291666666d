using System.Diagnostics;
using System.Globalization;
using System.Text;
using PretixOps.Shared;

namespace PretixOps.Benchmarks;

/// <summary>
/// From a step in a metric to the replica change, by both of the Scaler's paths at once: one gauge, scraped by a real
/// Prometheus, is a metric target of one unplaceable service (the Scaler queries Prometheus) and, through an alerting
/// rule, Alertmanager and AlertIngest, the alert of another. Each step of the gauge starts both clocks; each stops when
/// Docker shows its service's new count. Beside them, as reference rows, the documented defaults of Kubernetes' HPA and
/// KEDA: their intervals, not measured here.
/// </summary>
internal static class ScalerSignalsBenchmark
{
    private const string Gauge = "bench_load";
    private const string Alert = "BenchLoadHigh";
    private const double Low = 10;
    private const double High = 40;

    /// <summary>Prometheus's scrape and evaluation intervals and the Scaler's query interval: one figure for all three.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>HPA: --horizontal-pod-autoscaler-sync-period 15 s; metrics-server's --metric-resolution 15 s.</summary>
    private const double HpaSyncSeconds = 15;

    /// <summary>KEDA: a ScaledObject's pollingInterval, 30 s by default.</summary>
    private const double KedaPollingSeconds = 30;

    public static async Task<int> RunAsync(string[] args)
    {
        var steps = RegistrationBenchmark.Option(args, "--steps", 6);
        using var docker = ScalerRig.Docker();
        await using var broker = await BenchBroker.CreateAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (metricService, alertService) = ($"benchmetric{suffix}", $"benchalert{suffix}");
        var journal = BenchBroker.NewJournal();
        var folder = Directory.CreateTempSubdirectory("pretixops-bench-signals-").FullName;
        var created = new List<string>();
        var started = new List<Process>();
        using var exporter = new GaugeExporter(Gauge);
        exporter[""] = Low;
        try
        {
            created.Add(await ScalerRig.CreateUnplaceableAsync(docker, metricService, replicas: 1));
            created.Add(await ScalerRig.CreateUnplaceableAsync(docker, alertService, replicas: 1));

            var ingest = await Machine.StartServiceAsync("AlertIngest", new Dictionary<string, string>
            {
                ["Messaging__VirtualHost"] = broker.VirtualHost,
                ["AlertIngest__Alertmanager__Tokens__0"] = ScalerRig.Token,
                ["AlertIngest__Grafana__Tokens__0"] = "unused-token-0123456789",
                ["AlertIngest__GrafanaLegacy__Tokens__0"] = "unused-token-0123456789",
            });
            started.Add(ingest.Process);
            var alertmanager = await Machine.StartAlertmanagerAsync(folder, await AlertmanagerConfigAsync(folder, ingest.Address));
            started.Add(alertmanager.Process);
            var prometheus = await Machine.StartPrometheusAsync(folder, await PrometheusConfigAsync(folder, exporter.Port, alertmanager.Address, alertService));
            started.Add(prometheus.Process);

            var scaler = await Machine.StartServiceAsync("Scaler", ScalerSettings(broker, journal, prometheus.Address, metricService, alertService));
            started.Add(scaler.Process);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            // The first step must be a change the Scaler sees: it has read the low value through Prometheus first.
            await ScalerRig.WaitAsync(async () => await ScalerRig.MetricAsync(http, scaler.Address, "pretixops_scaler_metric_value", $"service=\"{metricService}\"") == Low,
                "the Scaler never read the gauge through Prometheus");

            var metricTimes = new List<double>();
            var alertTimes = new List<double>();
            for (var i = 0; i < steps; i++)
            {
                var up = i % 2 == 0;
                // A random pause first, so that the steps fall at every phase of the 5 s clocks rather than at the one
                // the previous step's change left them in.
                await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() * Interval.TotalSeconds));
                exporter[""] = up ? High : Low;
                var clock = Stopwatch.StartNew();
                var (metricWanted, alertWanted) = up ? ((int)Math.Ceiling(High / Low), 2) : (1, 1);
                double? metric = null;
                double? alert = null;
                while (metric is null || alert is null)
                {
                    if (clock.Elapsed > StepTimeout)
                    {
                        throw new TimeoutException($"step {i + 1} ({(up ? "up" : "down")}): after {StepTimeout.TotalSeconds:N0} s the metric path " +
                            $"{(metric is null ? "had not" : "had")} and the alert path {(alert is null ? "had not" : "had")} changed the spec.");
                    }

                    if (metric is null && await ScalerRig.ReplicasAsync(docker, metricService) == metricWanted)
                    {
                        metric = clock.Elapsed.TotalSeconds;
                    }

                    if (alert is null && await ScalerRig.ReplicasAsync(docker, alertService) == alertWanted)
                    {
                        alert = clock.Elapsed.TotalSeconds;
                    }

                    await Task.Delay(50);
                }

                metricTimes.Add(metric.Value);
                alertTimes.Add(alert.Value);
            }

            await ScalerRig.WriteReportAsync("scaler-signals", Report(steps, metricTimes, alertTimes));
            return 0;
        }
        finally
        {
            foreach (var process in started)
            {
                Machine.Stop(process);
            }

            foreach (var id in created)
            {
                await docker.Swarm.RemoveServiceAsync(id);
            }

            await broker.DeleteQueueAsync(journal);
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Dictionary<string, string> ScalerSettings(BenchBroker broker, string journal, Uri prometheus, string metricService, string alertService)
    {
        var settings = ScalerRig.Settings(broker, journal);
        settings["Scaler__Prometheus__Url"] = prometheus.ToString();
        var metric = $"Scaler__Services__{metricService}__";
        settings[metric + "Min"] = "1";
        settings[metric + "Max"] = "5";
        settings[metric + "StabilizationWindow"] = "00:00:00";
        // Any step at once, whatever HPA's default limits would allow: what is timed is the signal's way in.
        settings[metric + "ScaleUp__Limits__0__Step"] = "1000";
        settings[metric + "ScaleUp__Limits__0__Period"] = "00:00:01";
        settings[metric + "Metrics__0__Name"] = "load";
        settings[metric + "Metrics__0__Query"] = $"max({Gauge})";
        settings[metric + "Metrics__0__TargetPerReplica"] = Low.ToString(CultureInfo.InvariantCulture);
        settings[metric + "Metrics__0__Interval"] = ScalerRig.Seconds(Interval);
        var alert = $"Scaler__Services__{alertService}__";
        settings[alert + "Min"] = "1";
        settings[alert + "Max"] = "2";
        settings[alert + "CooldownUp"] = "00:00:00";
        settings[alert + "CooldownDown"] = "00:00:00";
        settings[alert + "StabilizationWindow"] = "00:00:00";
        settings["Scaler__Rules__0__Name"] = "bench-load";
        settings["Scaler__Rules__0__Labels__alertname"] = Alert;
        settings["Scaler__Rules__0__Labels__service"] = alertService;
        settings["Scaler__Rules__0__Service"] = alertService;
        return settings;
    }

    private static async Task<string> PrometheusConfigAsync(string folder, int exporterPort, Uri alertmanager, string alertService)
    {
        var rules = Path.Combine(folder, "rules.yml");
        await File.WriteAllTextAsync(rules, $"""
            groups:
              - name: bench
                rules:
                  - alert: {Alert}
                    expr: {Gauge} > 20
                    for: 0s
                    labels:
                      service: {alertService}
            """);
        var interval = $"{Interval.TotalSeconds:0}s";
        return $"""
            global:
              scrape_interval: {interval}
              scrape_timeout: 2s
              evaluation_interval: {interval}
            rule_files: ['{rules}']
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['{alertmanager.Authority}']
            scrape_configs:
              - job_name: bench
                static_configs:
                  - targets: ['127.0.0.1:{exporterPort}']
            """;
    }

    private static async Task<string> AlertmanagerConfigAsync(string folder, Uri ingest)
    {
        var token = Path.Combine(folder, "token");
        await File.WriteAllTextAsync(token, ScalerRig.Token);
        return $"""
            route:
              receiver: ingest
              group_by: [alertname, service]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: ingest
                webhook_configs:
                  - url: {ingest}v1/alerts/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: {token}
            """;
    }

    private static string Report(int steps, List<double> metric, List<double> alert)
    {
        var (metricP50, alertP50) = (ScalerRig.Percentile(metric, 0.5), ScalerRig.Percentile(alert, 0.5));
        var interval = $"{Interval.TotalSeconds:0} s";
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"## Scaler: from a step in a metric to the replica change ({steps} steps of one gauge, {Low:0} to {High:0} and back, both paths at once)");
        report.AppendLine();
        report.AppendLine("| measure | configured intervals | p50 (s) | max (s) |");
        report.AppendLine("| --- | --- | ---: | ---: |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| metric path: Prometheus scrape, the Scaler's query | scrape {interval}, query {interval} | {metricP50:N1} | {metric.Max():N1} |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| alert path: rule, Alertmanager, AlertIngest, bus | scrape {interval}, evaluation {interval}, `for: 0s`, group_wait 0 s, group_interval 1 s | {alertP50:N1} | {alert.Max():N1} |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| Kubernetes HPA (documented default, not measured) | sync period {HpaSyncSeconds:0} s, plus metrics-server's resolution 15 s | | |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| KEDA (documented default, not measured) | pollingInterval {KedaPollingSeconds:0} s | | |");
        report.AppendLine();
        report.AppendLine("| measure | PretixOps p50 (s) | documented default (s) | ratio |");
        report.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (path, p50) in new[] { ("metric path", metricP50), ("alert path", alertP50) })
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| {path} p50 over HPA's sync period | {p50:N1} | {HpaSyncSeconds:N0} | {p50 / HpaSyncSeconds:N2}x |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| {path} p50 over KEDA's pollingInterval | {p50:N1} | {KedaPollingSeconds:N0} | {p50 / KedaPollingSeconds:N2}x |");
        }
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"- each step (s), metric / alert path: {string.Join(", ", metric.Zip(alert, (m, a) => string.Create(CultureInfo.InvariantCulture, $"{m:N1} / {a:N1}")))}; odd steps go up " +
            $"(metric target {Low:0} per replica: 1 to {Math.Ceiling(High / Low):0} replicas; the alert fires: 1 to 2), even steps back down " +
            $"(stabilization window and cooldowns 0).");
        report.AppendLine("- the steps fall at random phases of the scrape, but Prometheus's scrape and evaluation and the Scaler's query " +
            "each keep a clock of their own, whose phase to the others is set when they start: between runs the p50 of a path moves by up " +
            "to one interval (5 s).");
        report.AppendLine("- the HPA and KEDA rows are their intervals, not latencies: a step waits up to one interval to be seen, and with HPA " +
            "the metric itself may be up to metrics-server's resolution old. The ratio sets our measured p50 against that interval.");
        return report.ToString();
    }
}
