using System.Diagnostics;
using System.Globalization;
using System.Text;
using Docker.DotNet.Models;
using MassTransit;
using PretixOps.Contracts;

namespace PretixOps.Benchmarks;

/// <summary>
/// Latency from <c>AlertFired</c> (or <c>AlertResolved</c>) published to the service's spec showing the new replica
/// count, over N decisions on the real swarm (alternately up and down), beside a bare Engine API inspect + update of
/// the same service: the floor. The service can never be placed, so its spec changes without containers.
/// </summary>
internal static class ScalerBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var decisions = RegistrationBenchmark.Option(args, "--decisions", 200);
        using var docker = ScalerRig.Docker();
        await using var broker = await BenchBroker.CreateAsync();
        var name = $"benchweb{Guid.NewGuid():N}"[..16];
        var journal = BenchBroker.NewJournal();
        var id = await ScalerRig.CreateUnplaceableAsync(docker, name, replicas: 1);
        try
        {
            var floor = new List<double>();
            for (var i = 0; i < decisions; i++)
            {
                var clock = Stopwatch.StartNew();
                var service = await docker.Swarm.InspectServiceAsync(id);
                service.Spec.Mode.Replicated.Replicas = (ulong)(i % 2 == 0 ? 2 : 1);
                await docker.Swarm.UpdateServiceAsync(id, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });
                floor.Add(clock.Elapsed.TotalMilliseconds);
            }

            var settings = ScalerRig.Settings(broker, journal);
            settings[$"Scaler__Services__{name}__Min"] = "1";
            settings[$"Scaler__Services__{name}__Max"] = "2";
            settings[$"Scaler__Services__{name}__CooldownUp"] = "00:00:00";
            settings[$"Scaler__Services__{name}__CooldownDown"] = "00:00:00";
            settings[$"Scaler__Services__{name}__StabilizationWindow"] = "00:00:00";
            settings["Scaler__Rules__0__Name"] = "bench";
            settings["Scaler__Rules__0__Labels__service"] = name;
            settings["Scaler__Rules__0__Service"] = name;
            var scaler = await Machine.StartServiceAsync("Scaler", settings);
            var ours = new List<double>();
            using var bus = ScalerRig.Bus(broker, name);
            await bus.StartAsync();
            try
            {
                var publish = bus.Services.GetRequiredService<IBus>();
                var labels = new Dictionary<string, string> { ["alertname"] = "BenchLatency", ["service"] = name };
                var replicas = await ScalerRig.ReplicasAsync(docker, id);
                for (var i = 0; i < decisions; i++)
                {
                    // A new episode for each firing: a resolved episode fired again would be a late repeat, and ignored.
                    var alertId = $"alertmanager:bench{i / 2}:2026-11-26T10:00:00.000Z";
                    var now = DateTimeOffset.UtcNow;
                    var up = replicas == 1;
                    var clock = Stopwatch.StartNew();
                    if (up)
                    {
                        await publish.Publish(new AlertFired(alertId, AlertSource.Alertmanager, "BenchLatency", "f", labels, labels, now, null, null, now));
                    }
                    else
                    {
                        await publish.Publish(new AlertResolved(alertId, AlertSource.Alertmanager, "BenchLatency", "f", labels, labels, now, now, null, now));
                    }

                    var wanted = up ? 2 : 1;
                    while (await ScalerRig.ReplicasAsync(docker, id) != wanted)
                    {
                        await Task.Delay(2);
                    }

                    ours.Add(clock.Elapsed.TotalMilliseconds);
                    replicas = wanted;
                }
            }
            finally
            {
                await bus.StopAsync();
                Machine.Stop(scaler.Process);
            }

            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"## Scaler: decision latency ({decisions} decisions on the real swarm, alternately up and down)");
            report.AppendLine();
            report.AppendLine("| measure | AlertFired/AlertResolved to spec updated | bare Engine API inspect + update | difference | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (measure, quantile) in new[] { ("p50 latency (ms)", 0.5), ("p99 latency (ms)", 0.99) })
            {
                var (mine, bare) = (ScalerRig.Percentile(ours, quantile), ScalerRig.Percentile(floor, quantile));
                report.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {mine:N1} | {bare:N1} | {mine - bare:N1} | {mine / bare:N1}x |");
            }
            report.AppendLine();
            report.AppendLine("- the Scaler's figure includes the bus (publish, delivery), the signal's journal entry (confirmed by the broker and read " +
                "back from the stream), the reconcile it wakes at once (Docker's inspect), the decision's intent in the journal, Docker's update, and " +
                "the polling that sees the spec change.");
            await ScalerRig.WriteReportAsync("scaler", report.ToString());
            return 0;
        }
        finally
        {
            await docker.Swarm.RemoveServiceAsync(id);
            await broker.DeleteQueueAsync(journal);
        }
    }
}
