using System.Diagnostics;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using MassTransit;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Benchmarks;

/// <summary>
/// Latency from <c>AlertFired</c> published to the service's spec showing the new replica count, over N
/// decisions on the real swarm (alternately up and down), beside a bare Engine API inspect + update of
/// the same service: the floor. The service can never be placed, so its spec changes without containers.
/// </summary>
internal static class ScalerBenchmark
{
    private const string Token = "bench-token-0123456789abcdef";

    public static async Task<int> RunAsync(string[] args)
    {
        var decisions = RegistrationBenchmark.Option(args, "--decisions", 200);
        using var docker = new DockerClientConfiguration(new Uri(Machine.Infra["PRETIXOPS_DOCKER_HOST"])).CreateClient();
        var name = $"benchweb{Guid.NewGuid():N}"[..16];
        var created = await docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = name,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 1 } },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec { Image = Machine.Infra["PRETIXOPS_BUSYBOX_IMAGE"], Command = ["sleep", "3600"] },
                    Placement = new Placement { Constraints = ["node.labels.pretixops-bench-never == true"] },
                },
            },
        });
        var state = Directory.CreateTempSubdirectory("pretixops-bench-scaler-").FullName;
        try
        {
            var floor = new List<double>();
            for (var i = 0; i < decisions; i++)
            {
                var clock = Stopwatch.StartNew();
                var service = await docker.Swarm.InspectServiceAsync(created.ID);
                service.Spec.Mode.Replicated.Replicas = (ulong)(i % 2 == 0 ? 2 : 1);
                await docker.Swarm.UpdateServiceAsync(created.ID, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });
                floor.Add(clock.Elapsed.TotalMilliseconds);
            }

            var scaler = await Machine.StartServiceAsync("Scaler", new Dictionary<string, string>
            {
                ["Auth__Tokens__0"] = Token,
                ["Scaler__DockerHost"] = Machine.Infra["PRETIXOPS_DOCKER_HOST"],
                ["Scaler__StateDirectory"] = state,
                [$"Scaler__Services__{name}__Min"] = "1",
                [$"Scaler__Services__{name}__Max"] = "2",
                [$"Scaler__Services__{name}__CooldownUp"] = "00:00:00",
                [$"Scaler__Services__{name}__CooldownDown"] = "00:00:00",
                [$"Scaler__Services__{name}__StabilizationWindow"] = "00:00:00",
                ["Scaler__Rules__0__Name"] = "bench",
                ["Scaler__Rules__0__Labels__service"] = name,
                ["Scaler__Rules__0__Service"] = name,
            });
            var ours = new List<double>();
            using var bus = Bus(name);
            await bus.StartAsync();
            try
            {
                var publish = bus.Services.GetRequiredService<IBus>();
                var labels = new Dictionary<string, string> { ["alertname"] = "BenchLatency", ["service"] = name };
                var replicas = (int)(await docker.Swarm.InspectServiceAsync(created.ID)).Spec.Mode.Replicated.Replicas!;
                for (var i = 0; i < decisions; i++)
                {
                    var id = $"alertmanager:bench{i / 2}:2026-11-26T10:00:00.000Z";
                    var now = DateTimeOffset.UtcNow;
                    var up = replicas == 1;
                    var clock = Stopwatch.StartNew();
                    if (up)
                    {
                        await publish.Publish(new AlertFired(id, AlertSource.Alertmanager, "BenchLatency", "f", labels, labels, now, null, null, now));
                    }
                    else
                    {
                        await publish.Publish(new AlertResolved(id, AlertSource.Alertmanager, "BenchLatency", "f", labels, labels, now, now, null, now));
                    }

                    var wanted = up ? 2 : 1;
                    while ((int)(await docker.Swarm.InspectServiceAsync(created.ID)).Spec.Mode.Replicated.Replicas! != wanted)
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
            report.AppendLine(CultureInfo.InvariantCulture, $"## Scaler ({decisions} decisions on the real swarm, alternately up and down)");
            report.AppendLine();
            report.AppendLine("| measure | AlertFired/AlertResolved to spec updated | bare Engine API inspect + update | difference | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (measure, quantile) in new[] { ("p50 latency (ms)", 0.5), ("p99 latency (ms)", 0.99) })
            {
                var (mine, bare) = (Percentile(ours, quantile), Percentile(floor, quantile));
                report.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {mine:N1} | {bare:N1} | {mine - bare:N1} | {mine / bare:N1}x |");
            }
            report.AppendLine();
            report.AppendLine("- the Scaler's figure includes the bus (publish, delivery), the decision, the journal's fsync, and the polling that sees the spec change.");
            Console.WriteLine(report);
            Directory.CreateDirectory(Path.Combine(Machine.Root, ".local", "bench"));
            await File.WriteAllTextAsync(Path.Combine(Machine.Root, ".local", "bench", "scaler.md"), report.ToString());
            return 0;
        }
        finally
        {
            await docker.Swarm.RemoveServiceAsync(created.ID);
            Directory.Delete(state, recursive: true);
        }
    }

    private static IHost Bus(string name)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Messaging:Host"] = Machine.Infra["PRETIXOPS_RABBITMQ_HOST"];
        builder.Configuration["Messaging:Port"] = Machine.Infra["PRETIXOPS_RABBITMQ_PORT"];
        builder.Configuration["Messaging:Username"] = Machine.Infra["PRETIXOPS_RABBITMQ_USER"];
        builder.Configuration["Messaging:PasswordFile"] = Machine.Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"];
        builder.Services.AddSingleton(new PretixOps.ServiceDefaults.ServiceInfo("bench-" + name, DefaultPort: 0));
        builder.AddMessaging();
        return builder.Build();
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
    }
}
