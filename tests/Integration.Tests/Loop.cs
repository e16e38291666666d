using System.Globalization;
using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The whole loop, every part real: the five services as processes on the real broker, a real Prometheus evaluating
/// the demo's alarm (deploy/local/demo-rules.yml) over what DiscoveryWriter writes, a real Alertmanager posting to
/// AlertIngest, and on the real swarm the stand-in of `make demo` (deploy/local/demo-workload.sh), whose tasks register
/// through deploy/registration/register.sh. Each test gets a rig of its own, with a service name of its own.
/// </summary>
internal sealed class Loop : IAsyncDisposable
{
    public const string Alert = "NGINX-Pretix Response Time alert";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, (ServiceProcess Process, Dictionary<string, string?> Settings, int Port)> _services = new(StringComparer.Ordinal);
    private readonly List<ServiceProcess> _stopped = [];
    private readonly List<string> _configs = [];
    private readonly Func<string, IReadOnlyDictionary<string, string?>>? _extra;
    private string? _secret;
    private string? _swarmService;

    private Loop(string service, string folder, Func<string, IReadOnlyDictionary<string, string?>>? extra)
    {
        Service = service;
        Folder = folder;
        _extra = extra;
    }

    /// <summary>The swarm service: the pretix_web of this rig.</summary>
    public string Service { get; }

    public string Folder { get; }

    public string OutputDirectory => Path.Combine(Folder, "sd");

    public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();

    public PrometheusProcess Prometheus { get; private set; } = null!;

    public AlertmanagerProcess Alertmanager { get; private set; } = null!;

    public ServiceProcess this[string project] => _services[project].Process;

    /// <summary>
    /// Everything up, and the stand-in at 2 replicas with its response time low. <paramref name="cooldownUp"/>: one step
    /// per episode by default; the scale-down follows a resolution after a stabilization window of 10 s. <paramref name="extra"/>:
    /// a service's settings of its own, by project, added to what the rig gives it (its broker user, for one).
    /// </summary>
    public static async Task<Loop> StartAsync(int max = 4, string cooldownUp = "00:10:00", Func<string, IReadOnlyDictionary<string, string?>>? extra = null)
    {
        await Infrastructure.RequireBrokerAsync();
        var loop = new Loop($"itestloop{Guid.NewGuid():N}"[..17], Directory.CreateTempSubdirectory("pretixops-loop-").FullName, extra);
        try
        {
            await loop.StartAllAsync(max, cooldownUp);
            return loop;
        }
        catch
        {
            await loop.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(int max, string cooldownUp)
    {
        Directory.CreateDirectory(Path.Combine(Folder, "demo"));
        await SetResponseTimeAsync(0.05);
        var tokenFile = Path.Combine(Folder, "token");
        await File.WriteAllTextAsync(tokenFile, ServiceProcess.Token);

        Add("DiscoveryWriter", new()
        {
            ["DiscoveryWriter__OutputDirectory"] = OutputDirectory,
            ["DiscoveryWriter__StateDirectory"] = Path.Combine(Folder, "writer-state"),
            ["DiscoveryWriter__InstanceName"] = "itest-" + Service,
        });
        Add("Registration", []);
        Add("AlertIngest", []);
        Add("SnmpPoller", new()
        {
            ["SnmpPoller__InstanceName"] = "itest-" + Service,
            // The tasks register this machine's host name as their node; its snmpd is the local one.
            ["SnmpPoller__Discovery__Port"] = Infrastructure.SnmpdPort,
            ["SnmpPoller__Interval"] = "00:00:02",
        });
        Add("Scaler", new()
        {
            ["Scaler__InstanceName"] = "itest-" + Service,
            [$"Scaler__Services__{Service}__Min"] = "2",
            [$"Scaler__Services__{Service}__Max"] = max.ToString(CultureInfo.InvariantCulture),
            [$"Scaler__Services__{Service}__CooldownUp"] = cooldownUp,
            [$"Scaler__Services__{Service}__CooldownDown"] = "00:00:01",
            [$"Scaler__Services__{Service}__StabilizationWindow"] = "00:00:10",
            ["Scaler__Rules__0__Name"] = "loop",
            ["Scaler__Rules__0__Labels__service"] = Service,
            ["Scaler__Rules__0__Labels__scale_action"] = "up",
            ["Scaler__Rules__0__Service"] = Service,
        });
        foreach (var (_, (process, _, _)) in _services)
        {
            Assert.True(HttpStatusCode.OK == await process.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), process.ToString());
        }

        Alertmanager = await AlertmanagerProcess.StartAsync($"""
            route:
              receiver: alert-ingest
              group_by: [alertname, service]
              group_wait: 1s
              group_interval: 2s
              repeat_interval: 1h
            receivers:
              - name: alert-ingest
                webhook_configs:
                  - url: {this["AlertIngest"].BaseAddress}v1/alerts/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: {tokenFile}
            """);
        Prometheus = await PrometheusProcess.StartAsync(
            $"""
              - job_name: registered
                file_sd_configs:
                  - files: ['{OutputDirectory}/pretix.json']
                relabel_configs:
                  - source_labels: [__meta_filepath]
                    regex: '.*/([^/]+)\.json'
                    target_label: job
              - job_name: snmp-poller
                static_configs:
                  - targets: ['{this["SnmpPoller"].BaseAddress.Authority}']
            """,
            $"""
            rule_files:
              - {RepositoryPaths.Combine("deploy", "local", "demo-rules.yml")}
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['{Alertmanager.Address.Authority}']
            """);

        await StartStandInAsync();
    }

    /// <summary>The stand-in on the swarm, as `make up` starts pretix_web (deploy/local/demo.sh), at 2 replicas.</summary>
    private async Task StartStandInAsync()
    {
        var register = await Docker.Configs.CreateConfigAsync(new SwarmCreateConfigParameters
        {
            Config = new SwarmConfigSpec { Name = $"{Service}-register", Data = File.ReadAllBytes(RepositoryPaths.Combine("deploy", "registration", "register.sh")) },
        });
        _configs.Add(register.ID);
        var workload = await Docker.Configs.CreateConfigAsync(new SwarmCreateConfigParameters
        {
            Config = new SwarmConfigSpec { Name = $"{Service}-workload", Data = File.ReadAllBytes(RepositoryPaths.Combine("deploy", "local", "demo-workload.sh")) },
        });
        _configs.Add(workload.ID);
        var secret = await Docker.Secrets.CreateAsync(new SecretSpec { Name = $"{Service}-token", Data = System.Text.Encoding.UTF8.GetBytes(ServiceProcess.Token) });
        _secret = secret.ID;

        // Each task listens on base + slot on the host's network: a block of ports nobody uses now.
        var basePort = Ports.FreeBlock(8) - 1;
        var created = await Docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = Service,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 2 } },
                UpdateConfig = new SwarmUpdateConfig { Order = "stop-first" },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec
                    {
                        Image = Infrastructure.BusyboxImage,
                        Command = ["/usr/local/bin/demo-workload"],
                        Env =
                        [
                            $"PRETIXOPS_REGISTRATION_URL={this["Registration"].BaseAddress.ToString().TrimEnd('/')}",
                            "PRETIXOPS_SERVICE={{.Service.Name}}", "PRETIXOPS_SLOT={{.Task.Slot}}", "PRETIXOPS_NODE={{.Node.Hostname}}",
                            $"DEMO_BASE_PORT={basePort}",
                            // Far beyond the tests' waits: a target that disappears was deregistered, not expired.
                            "PRETIXOPS_TTL=600",
                        ],
                        StopGracePeriod = (long)TimeSpan.FromSeconds(5).TotalNanoseconds,
                        Mounts = [new Mount { Type = "bind", Source = Path.Combine(Folder, "demo"), Target = "/demo", ReadOnly = true }],
                        Configs =
                        [
                            ConfigFile(register.ID, $"{Service}-register", "/usr/local/bin/pretixops-register"),
                            ConfigFile(workload.ID, $"{Service}-workload", "/usr/local/bin/demo-workload"),
                        ],
                        Secrets = [new SecretReference
                        {
                            SecretID = secret.ID,
                            SecretName = $"{Service}-token",
                            File = new SecretReferenceFileTarget { Name = "api_token", UID = "0", GID = "0", Mode = Convert.ToUInt32("444", 8) },
                        }],
                    },
                    Networks = [new NetworkAttachmentConfig { Target = "host" }],
                },
            },
        });
        _swarmService = created.ID;
    }

    private static SwarmConfigReference ConfigFile(string id, string name, string target) => new()
    {
        ConfigID = id,
        ConfigName = name,
        File = new ConfigReferenceFileTarget { Name = target, UID = "0", GID = "0", Mode = Convert.ToUInt32("555", 8) },
    };

    private void Add(string project, Dictionary<string, string?> settings)
    {
        var port = Ports.Free();
        foreach (var (key, value) in _extra?.Invoke(project) ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        _services[project] = (ServiceProcess.Start(project, settings, port), settings, port);
    }

    /// <summary>What the demo does: the value every task's gauge serves.</summary>
    public async Task SetResponseTimeAsync(double seconds)
    {
        var file = Path.Combine(Folder, "demo", "response_time_seconds");
        await File.WriteAllTextAsync(file + ".tmp", seconds.ToString(CultureInfo.InvariantCulture));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>The stand-in's targets that Prometheus scrapes successfully.</summary>
    public async Task<int> TargetsUpAsync() =>
        (int)(await Prometheus.ScalarAsync($"count(up{{job=\"pretix\",service=\"{Service}\"}} == 1)") ?? 0);

    /// <summary>The stand-in's targets Prometheus knows, up or not, by instance id.</summary>
    public async Task<IReadOnlyList<string>> TargetIdsAsync() =>
        [.. (await Prometheus.TargetsAsync("registered")).Select(t => t.InstanceId).Where(id => id.StartsWith(Service + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    public Task<int> TargetsWhenAsync(int wanted) =>
        Eventually.ValueAsync(TargetsUpAsync, n => n == wanted, TimeSpan.FromMinutes(3));

    /// <summary>The service's replica count as Docker's spec holds it.</summary>
    public async Task<ulong> ReplicasAsync() =>
        (await Docker.Swarm.InspectServiceAsync(_swarmService!)).Spec.Mode.Replicated.Replicas ?? 0;

    public Task<ulong> ReplicasWhenAsync(ulong wanted) =>
        Eventually.ValueAsync(ReplicasAsync, n => n == wanted, TimeSpan.FromMinutes(3));

    public async Task<IReadOnlyList<ScaleDecisionRecorded>> DecisionsAsync()
    {
        try
        {
            var json = await this["Scaler"].Http.GetStringAsync(new Uri($"/v1/decisions?service={Service}", UriKind.Relative));
            return JsonSerializer.Deserialize<List<ScaleDecisionRecorded>>(json, Json) ?? [];
        }
        catch (HttpRequestException)
        {
            return []; // restarting
        }
    }

    /// <summary>The decisions once <paramref name="done"/> holds; a failed assertion that says what every part saw if it never does.</summary>
    public async Task<IReadOnlyList<ScaleDecisionRecorded>> DecisionsWhenAsync(Func<IReadOnlyList<ScaleDecisionRecorded>, bool> done)
    {
        var decisions = await Eventually.ValueAsync(DecisionsAsync, done, TimeSpan.FromMinutes(3));
        Assert.True(done(decisions), await DescribeAsync());
        return decisions;
    }

    public static IReadOnlyList<ScaleDecisionRecorded> Applied(IReadOnlyList<ScaleDecisionRecorded> decisions) =>
        [.. decisions.Where(d => d.Outcome == ScaleOutcome.Applied).OrderBy(d => d.At)];

    /// <summary>The alert as Alertmanager holds it, and the id AlertIngest gives its episode.</summary>
    public async Task<string?> AlertIdAsync()
    {
        using var http = new HttpClient { BaseAddress = Alertmanager.Address };
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/v2/alerts", UriKind.Relative)));
        foreach (var alert in json.RootElement.EnumerateArray())
        {
            var labels = alert.GetProperty("labels");
            if (labels.GetProperty("alertname").GetString() == Alert && labels.GetProperty("service").GetString() == Service)
            {
                var startsAt = alert.GetProperty("startsAt").GetDateTimeOffset().UtcDateTime;
                return $"alertmanager:{alert.GetProperty("fingerprint").GetString()}:{startsAt:yyyy-MM-ddTHH:mm:ss.fffZ}";
            }
        }
        return null;
    }

    /// <summary>
    /// Up, then down, asserted: the rule fires, one step up is applied, the new task registers and is scraped; the rule
    /// resolves, the step down follows the stabilization window, the removed task's target disappears.
    /// </summary>
    public async Task TurnAsync(Func<Task>? whileFiring = null)
    {
        Assert.Equal(2, await TargetsWhenAsync(2));
        var before = Applied(await DecisionsAsync()).Count;

        await SetResponseTimeAsync(30);
        var up = await DecisionsWhenAsync(d => Applied(d).Count == before + 1);
        var step = Applied(up)[^1];
        Assert.Equal((2, 3), (step.From, step.To));
        if (whileFiring is not null)
        {
            await whileFiring();
        }
        Assert.Equal(3UL, await ReplicasWhenAsync(3));
        Assert.Equal(3, await TargetsWhenAsync(3));

        await SetResponseTimeAsync(0.05);
        var down = await DecisionsWhenAsync(d => Applied(d).Count == before + 2);
        Assert.Equal((3, 2), (Applied(down)[^1].From, Applied(down)[^1].To));
        Assert.Equal(2UL, await ReplicasWhenAsync(2));
        var left = await Eventually.ValueAsync(TargetIdsAsync, ids => ids.Count == 2, TimeSpan.FromMinutes(2));
        Assert.Equal(2, left.Count);
    }

    /// <summary>What each part says now, for a failed assertion's message.</summary>
    public async Task<string> DescribeAsync()
    {
        var text = new System.Text.StringBuilder();
        async Task Try(string what, Func<Task<string>> read)
        {
            try
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"--- {what}:\n{await read()}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or DockerApiException)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"--- {what}: {ex.Message}");
            }
        }
        await Try("Prometheus alerts", () => Prometheus.Http.GetStringAsync(new Uri("api/v1/alerts", UriKind.Relative)));
        await Try("Prometheus targets", async () => string.Join(", ", (await Prometheus.TargetsAsync("registered")).Select(t => $"{t.InstanceId}={t.Health}")));
        await Try("Alertmanager alerts", async () =>
        {
            using var http = new HttpClient { BaseAddress = Alertmanager.Address };
            return await http.GetStringAsync(new Uri("api/v2/alerts", UriKind.Relative));
        });
        await Try("decisions", async () => string.Join("\n", (await DecisionsAsync()).Select(d => $"{d.At:O} {d.Outcome} {d.From}->{d.To} {d.Trigger}: {d.Reason}")));
        await Try("replicas", async () => (await ReplicasAsync()).ToString(CultureInfo.InvariantCulture));
        await Try("AlertIngest metrics", async () => string.Join("\n", (await this["AlertIngest"].Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Split('\n').Where(l => l.StartsWith("pretixops_", StringComparison.Ordinal))));
        await Try("all decisions", () => this["Scaler"].Http.GetStringAsync(new Uri("/v1/decisions", UriKind.Relative)));
        foreach (var (project, (process, _, _)) in _services)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {process}");
        }
        return text.ToString();
    }

    /// <summary>SIGKILL, then the same service again: same port, same state, same queue.</summary>
    public async Task KillAndRestartAsync(string project)
    {
        var (process, settings, port) = _services[project];
        await process.KillAsync();
        _stopped.Add(process);
        var restarted = ServiceProcess.Start(project, settings, port);
        _services[project] = (restarted, settings, port);
        Assert.True(HttpStatusCode.OK == await restarted.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), restarted.ToString());
    }

    /// <summary>Everything this rig started, gone; one cleanup failing does not leave the others running.</summary>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        async Task Run(Func<Task> cleanup)
        {
            try
            {
                await cleanup();
            }
            catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or InvalidOperationException)
            {
                failures.Add(ex);
            }
        }

        foreach (var process in _services.Values.Select(s => s.Process).Concat(_stopped))
        {
            await Run(async () => await process.DisposeAsync());
        }
        if (_swarmService is not null)
        {
            await Run(() => Docker.Swarm.RemoveServiceAsync(_swarmService));
            // Its tasks hold the config and secret until they are gone.
            await Run(() => Docker.GoneAsync($"com.docker.swarm.service.name={Service}", TimeSpan.FromSeconds(60)));
        }
        foreach (var config in _configs)
        {
            await Run(() => IgnoreAsync(() => Docker.Configs.RemoveConfigAsync(config)));
        }
        if (_secret is not null)
        {
            await Run(() => IgnoreAsync(() => Docker.Secrets.DeleteAsync(_secret)));
        }
        if (Prometheus is not null)
        {
            await Run(async () => await Prometheus.DisposeAsync());
        }
        if (Alertmanager is not null)
        {
            await Run(async () => await Alertmanager.DisposeAsync());
        }
        Docker.Dispose();
        Directory.Delete(Folder, recursive: true);
        if (failures.Count > 0)
        {
            throw new AggregateException("the loop's cleanup failed", failures);
        }
    }

    private static async Task IgnoreAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DockerApiException)
        {
            // Gone already, or still held by a task on its way out: the names are this rig's own.
        }
    }
}
