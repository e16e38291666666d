using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace PretixOps.Benchmarks;

/// <summary>
/// Alertmanager payloads of 100 alerts from 32 concurrent senders against AlertIngest on the real broker
/// (every alert confirmed on the bus before the 200), beside the same load on the do-nothing Kestrel floor.
/// </summary>
internal static class AlertBenchmark
{
    private const string User = "alertmanager";
    private const string Password = "bench-password-0123456789";
    private const int AlertsPerPayload = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var payloads = RegistrationBenchmark.Option(args, "--payloads", 400);
        var senders = RegistrationBenchmark.Option(args, "--senders", 32);
        var bodies = Enumerable.Range(0, payloads).Select(Payload).ToArray();

        var floorPort = Machine.FreePort();
        var floor = Machine.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "PretixOps.Benchmarks.dll"), "floor", floorPort.ToString(CultureInfo.InvariantCulture)]);
        var floorAddress = new Uri($"http://127.0.0.1:{floorPort}/");
        await Machine.WaitReadyAsync(floorAddress);
        var floorRun = await LoadAsync(floorAddress, bodies, senders);
        Machine.Stop(floor);

        var ingest = await Machine.StartServiceAsync("AlertIngest", new Dictionary<string, string>
        {
            ["AlertIngest__Alertmanager__Username"] = User,
            ["AlertIngest__Alertmanager__Password"] = Password,
            ["AlertIngest__Grafana__Tokens__0"] = "unused-token-0123456789",
            ["AlertIngest__GrafanaLegacy__Tokens__0"] = "unused-token-0123456789",
        });
        Run ours;
        double peak;
        // Alerts are published as mandatory: bind a queue where the Scaler's will be, or every one is refused.
        using var management = Machine.Management();
        await BindQueueAsync(management);
        try
        {
            ours = await LoadAsync(ingest.Address, bodies, senders);
            peak = Machine.PeakMemoryMiB(ingest.Process);
        }
        finally
        {
            Machine.Stop(ingest.Process);
            using var deleted = await management.DeleteAsync(new Uri($"queues/%2F/{Queue}", UriKind.Relative));
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## AlertIngest ({payloads} Alertmanager payloads of {AlertsPerPayload} alerts, {senders} senders)");
        report.AppendLine();
        report.AppendLine("| measure | AlertIngest | floor (do-nothing Kestrel) | ratio |");
        report.AppendLine("| --- | ---: | ---: | ---: |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| alerts/s confirmed on the bus | {ours.AlertsPerSecond:N0} | {floorRun.AlertsPerSecond:N0} | {ours.AlertsPerSecond / floorRun.AlertsPerSecond:P0} |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| request latency p50 (ms) | {ours.P50:N1} | {floorRun.P50:N1} | {ours.P50 / floorRun.P50:N1}x |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| request latency p99 (ms) | {ours.P99:N1} | {floorRun.P99:N1} | {ours.P99 / floorRun.P99:N1}x |");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"- answered 200: {ours.Ok} of {payloads} payloads; peak memory {peak:N0} MiB");
        Console.WriteLine(report);
        var output = Path.Combine(Machine.Root, ".local", "bench");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "alerts.md"), report.ToString());
        return ours.Ok == payloads ? 0 : 1;
    }

    private const string Queue = "bench-alert-events";
    private const string Exchange = "PretixOps.Contracts:AlertFired";

    /// <summary>The message-type exchange as MassTransit declares it (durable fanout), and a durable queue bound to it.</summary>
    private static async Task BindQueueAsync(HttpClient management)
    {
        var exchange = Uri.EscapeDataString(Exchange);
        foreach (var (path, body) in new[]
        {
            ($"exchanges/%2F/{exchange}", """{"type":"fanout","durable":true}"""),
            ($"queues/%2F/{Queue}", """{"durable":true}"""),
        })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await management.PutAsync(new Uri(path, UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
        }

        using var binding = new StringContent("{}", Encoding.UTF8, "application/json");
        using var bound = await management.PostAsync(new Uri($"bindings/%2F/e/{exchange}/q/{Queue}", UriKind.Relative), binding);
        bound.EnsureSuccessStatusCode();
    }

    private sealed record Run(int Ok, double AlertsPerSecond, double P50, double P99);

    private static async Task<Run> LoadAsync(Uri address, byte[][] bodies, int senders)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = senders };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        var latencies = new double[bodies.Length];
        var ok = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(new Uri("v1/alerts/alertmanager", UriKind.Relative), content);
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new Run(ok, ok * AlertsPerPayload / seconds, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)]);
    }

    private static byte[] Payload(int n)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var alerts = string.Join(",", Enumerable.Range(0, AlertsPerPayload).Select(i =>
            $$"""{"status":"firing","labels":{"alertname":"BenchLatency","service":"pretix_web","instance":"10.0.{{n % 250}}.{{i}}:9100"},"annotations":{"summary":"bench"},"startsAt":"{{startsAt}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus/graph","fingerprint":"{{n:x8}}{{i:x8}}"}"""));
        return Encoding.UTF8.GetBytes($$"""{"version":"4","status":"firing","receiver":"ingest","groupKey":"{}","truncatedAlerts":0,"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager","alerts":[{{alerts}}]}""");
    }
}
