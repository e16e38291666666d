using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.ServiceDefaults;

namespace PretixOps.Benchmarks;

/// <summary>What the Scaler's benchmarks share: unplaceable swarm services, a Scaler's settings, a bus, and reading /metrics.</summary>
internal static class ScalerRig
{
    public const string Token = "bench-token-0123456789abcdef";

    public static DockerClient Docker() => new DockerClientConfiguration(new Uri(Machine.Infra["PRETIXOPS_DOCKER_HOST"])).CreateClient();

    /// <summary>
    /// A replicated service whose tasks can never be placed (no node has the label), so its spec changes as the
    /// Scaler decides without a container ever starting. Returns its id.
    /// </summary>
    public static async Task<string> CreateUnplaceableAsync(DockerClient docker, string name, ulong replicas)
    {
        var created = await docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = name,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = replicas } },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec { Image = Machine.Infra["PRETIXOPS_BUSYBOX_IMAGE"], Command = ["sleep", "3600"] },
                    Placement = new Placement { Constraints = ["node.labels.pretixops-bench-never == true"] },
                },
            },
        });
        return created.ID;
    }

    public static async Task<int> ReplicasAsync(DockerClient docker, string service) =>
        (int)(await docker.Swarm.InspectServiceAsync(service)).Spec.Mode.Replicated.Replicas!;

    /// <summary>What every benchmark Scaler is started with: its token, the local swarm, a journal of its own, the benchmark's virtual host.</summary>
    public static Dictionary<string, string> Settings(BenchBroker broker, string journal) => new()
    {
        ["Auth__Tokens__0"] = Token,
        ["Messaging__VirtualHost"] = broker.VirtualHost,
        ["Scaler__DockerHost"] = Machine.Infra["PRETIXOPS_DOCKER_HOST"],
        ["Scaler__Journal__Stream"] = journal,
        ["Scaler__InstanceName"] = journal,
    };

    /// <summary>A bus to publish on, in the benchmark's virtual host.</summary>
    public static IHost Bus(BenchBroker broker, string name)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Messaging:Host"] = Machine.Infra["PRETIXOPS_RABBITMQ_HOST"];
        builder.Configuration["Messaging:Port"] = Machine.Infra["PRETIXOPS_RABBITMQ_PORT"];
        builder.Configuration["Messaging:Username"] = Machine.Infra["PRETIXOPS_RABBITMQ_USER"];
        builder.Configuration["Messaging:PasswordFile"] = Machine.Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"];
        builder.Configuration["Messaging:VirtualHost"] = broker.VirtualHost;
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new PretixOps.ServiceDefaults.ServiceInfo("bench-" + name, DefaultPort: 0));
        builder.AddMessaging();
        return builder.Build();
    }

    /// <summary>
    /// The sum of a metric's samples in a Prometheus exposition (a service's /metrics), over the series whose line
    /// holds <paramref name="having"/> (a label pair) when it is given.
    /// </summary>
    public static async Task<double> MetricAsync(HttpClient http, Uri service, string metric, string? having = null)
    {
        var text = await http.GetStringAsync(new Uri(service, "metrics"));
        return text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => having is null || l.Contains(having, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>Polls every 100 ms until <paramref name="done"/>; after a minute without it, fails with <paramref name="failure"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> done, string failure)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(100);
        }
    }

    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
    }

    public static async Task WriteReportAsync(string part, string report)
    {
        Console.WriteLine(report);
        var folder = Path.Combine(Machine.Root, ".local", "bench");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, part + ".md"), report);
    }

    public static string Seconds(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
}
