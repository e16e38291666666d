using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// Containers announce themselves, Prometheus finds them, dead ones disappear, and nothing answered 202 is
/// lost: Registration and DiscoveryWriter against the real broker, Prometheus and swarm.
/// </summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Prometheus_scrapes_a_registered_exporter_through_file_sd_and_http_sd_and_drops_it_when_deregistered()
    {
        await using var discovery = await Discovery.StartAsync();
        var writer = discovery.Writers[0];
        var fileJob = $"itest-filesd-{Guid.NewGuid():N}"[..24];
        var httpJob = $"itest-httpsd-{Guid.NewGuid():N}"[..24];
        await using var prometheus = await PrometheusProcess.StartAsync($"""
              - job_name: filesd
                file_sd_configs:
                  - files: ['{discovery.OutputDirectory}/{fileJob}.json']
                    refresh_interval: 1s
              - job_name: httpsd
                http_sd_configs:
                  - url: '{writer.BaseAddress}v1/sd/{httpJob}'
                    refresh_interval: 1s
                    authorization:
                      type: Bearer
                      credentials: '{ServiceProcess.Token}'
            """);

        // The exporter is real: Registration's own /metrics.
        var port = discovery.Registration.BaseAddress.Port;
        var instance = new
        {
            service = "itest_web",
            slot = 1,
            address = "127.0.0.1",
            exporters = new[] { new { job = fileJob, port }, new { job = httpJob, port } },
        };
        Assert.Equal(HttpStatusCode.Accepted, await discovery.RegisterAsync(instance));

        Assert.Equal([("itest_web.1", "up")], await UpTargetsAsync(prometheus, "filesd"));
        Assert.Equal([("itest_web.1", "up")], await UpTargetsAsync(prometheus, "httpsd"));

        using var deleted = await discovery.Registration.Http.DeleteAsync(new Uri("/v1/instances/itest_web.1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);

        Assert.Empty(await Eventually.ValueAsync(() => prometheus.TargetsAsync("filesd"), t => t.Count == 0));
        Assert.Empty(await Eventually.ValueAsync(() => prometheus.TargetsAsync("httpsd"), t => t.Count == 0));
        Assert.Equal("[]\n", await File.ReadAllTextAsync(Path.Combine(discovery.OutputDirectory, fileJob + ".json")));
    }

    [Fact]
    public async Task Swarm_tasks_that_post_the_report_format_on_start_become_targets_and_expire_when_scaled_down()
    {
        var service = $"itestweb{Guid.NewGuid():N}"[..16];
        var job = $"itest-swarm-{service}";
        await using var discovery = await Discovery.StartAsync(new Dictionary<string, string?>
        {
            [$"Registration__ReportFormat__Exporters__{service}__0__Job"] = job,
            [$"Registration__ReportFormat__Exporters__{service}__0__Port"] = "9100",
            ["Registration__ReportFormat__TtlSeconds"] = "6",
        });
        using var docker = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();

        // Like the report's entrypoints: POST {"service":"<name>.<slot>"} on start, then again as a heartbeat.
        var url = $"{discovery.Registration.BaseAddress}service";
        var created = await docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = service,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 3 } },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec
                    {
                        Image = Infrastructure.BusyboxImage,
                        Env = [$"NAME={service}", "SLOT={{.Task.Slot}}", $"URL={url}"],
                        Command =
                        [
                            "sh", "-c",
                            // As the report's entrypoints do: wget's default content type, a JSON body.
                            "while true; do wget -q -O /dev/null " +
                            "--post-data \"{\\\"service\\\":\\\"$NAME.$SLOT\\\"}\" \"$URL\"; sleep 2; done",
                        ],
                    },
                    Networks = [new NetworkAttachmentConfig { Target = "host" }],
                },
            },
        });
        try
        {
            Assert.Equal(3, (await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 3)).Count);

            await ScaleAsync(docker, created.ID, 5);
            Assert.Equal(5, (await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 5)).Count);

            await ScaleAsync(docker, created.ID, 2);
            var remaining = await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 2);
            Assert.Equal(2, remaining.Count);
            Assert.All(remaining, id => Assert.StartsWith(service + ".", id, StringComparison.Ordinal));
        }
        finally
        {
            await docker.Swarm.RemoveServiceAsync(created.ID);
        }
    }

    [Fact]
    public async Task While_the_broker_is_down_registration_answers_503_and_every_202_reaches_the_files()
    {
        await using var discovery = await Discovery.StartAsync();
        var job = $"itest-outage-{Guid.NewGuid():N}"[..24];
        var stream = new RegistrationStream(discovery, "itest_outage", job);

        await stream.SendAsync(from: 1, count: 200, senders: 8);
        var outage = Task.Run(async () =>
        {
            await Infrastructure.InfraAsync("stop", "rabbitmq");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Infrastructure.InfraAsync("start", "rabbitmq");
        });
        try
        {
            // Keep registering through the whole outage, as containers starting then would.
            await stream.SendWhileAsync(from: 1001, () => !outage.IsCompleted, senders: 8);
            await outage;
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "rabbitmq");
        }

        await stream.SendAsync(from: 100_001, count: 200, senders: 8, retryUntilAccepted: true);

        Assert.NotEmpty(stream.Refused);
        Assert.All(stream.Refused, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        var inFiles = await discovery.InstanceIdsWhenAsync(job, ids => stream.Accepted.All(ids.Contains));
        Assert.Empty(stream.Accepted.Except(inFiles));
    }

    [Fact]
    public async Task Killing_the_writer_mid_burst_never_leaves_an_unparseable_file_and_loses_no_registration()
    {
        await using var discovery = await Discovery.StartAsync(writers: 0);
        const string instanceName = "itest-kill9";
        var writer = discovery.StartWriter(instanceName);
        Assert.Equal(HttpStatusCode.OK, await writer.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK));
        var job = $"itest-kill9-{Guid.NewGuid():N}"[..24];
        var stream = new RegistrationStream(discovery, "itest_burst", job);

        using var stopReading = new CancellationTokenSource();
        var reader = Task.Run(() => Discovery.CountUnparseableReadsAsync(discovery.OutputDirectory, stopReading.Token));
        var killed = Task.CompletedTask;
        await stream.SendAsync(from: 1, count: 2000, senders: 16, afterEach: accepted =>
        {
            if (accepted == 500)
            {
                killed = writer.KillAsync();
            }
        });
        await killed;

        // The same replica comes back: same state folder, same queue, which kept what arrived meanwhile.
        var restarted = discovery.StartWriter(instanceName);
        var inFiles = await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == stream.Accepted.Count);
        await stopReading.CancelAsync();

        Assert.Equal(0, await reader);
        Assert.Equal(2000, stream.Accepted.Count);
        Assert.Empty(stream.Accepted.Except(inFiles));
        Assert.False(restarted.HasExited);
    }

    [Fact]
    public async Task With_two_writers_the_survivor_of_a_kill_writes_the_next_change_and_both_serve_the_same_targets()
    {
        await using var discovery = await Discovery.StartAsync(writers: 2);
        var job = $"itest-pair-{Guid.NewGuid():N}"[..24];
        Assert.Equal(HttpStatusCode.Accepted, await discovery.RegisterAsync(Discovery.Instance("itest_pair", 1, job, 9100)));
        Assert.Equal(["itest_pair.1"], await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 1));

        var answers = await Eventually.ValueAsync(
            async () => await Task.WhenAll(discovery.Writers.Select(w => w.Http.GetStringAsync(new Uri($"/v1/sd/{job}", UriKind.Relative)))),
            all => all.Distinct().Count() == 1 && all[0].Contains("itest_pair.1", StringComparison.Ordinal));
        Assert.Single(answers.Distinct());

        var leaders = await Eventually.ValueAsync(() => LeadersAsync(discovery), l => l.Count == 1);
        var leader = Assert.Single(leaders);
        await leader.KillAsync();

        Assert.Equal(HttpStatusCode.Accepted, await discovery.RegisterAsync(Discovery.Instance("itest_pair", 2, job, 9100)));
        Assert.Equal(["itest_pair.1", "itest_pair.2"], await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 2));
        Assert.Equal([discovery.Writers.Single()], await LeadersAsync(discovery));
    }

    [Fact]
    public async Task A_plain_amqp_registration_reaches_the_files_and_an_invalid_one_lands_in_the_error_queue_with_its_reason()
    {
        await using var discovery = await Discovery.StartAsync();
        var job = $"itest-amqp-{Guid.NewGuid():N}"[..24];
        var marker = Guid.NewGuid().ToString("N");
        using var management = Infrastructure.Management();

        // As rabbitmqadmin publish does: plain JSON to the default exchange, no MassTransit envelope.
        await PublishAsync(management, JsonSerializer.Serialize(new
        {
            service = "itest_amqp",
            slot = 1,
            address = "127.0.0.1",
            exporters = new[] { new { job, port = 9100 } },
        }));
        await PublishAsync(management, JsonSerializer.Serialize(new
        {
            service = "itest_amqp",
            slot = 2,
            exporters = new[] { new { job, port = 9100 } },
            labels = new { marker },
        }));

        Assert.Equal(["itest_amqp.1"], await discovery.InstanceIdsWhenAsync(job, ids => ids.Count == 1));
        var fault = await Eventually.ValueAsync(() => FindErrorAsync(management, marker), f => f is not null);
        Assert.NotNull(fault);
        Assert.Contains("address is required", fault, StringComparison.Ordinal);
        Assert.DoesNotContain("itest_amqp.2", discovery.InstanceIds(job));
    }

    private static async Task PublishAsync(HttpClient management, string payload)
    {
        using var response = await management.PostAsJsonAsync(new Uri("exchanges/%2F/amq.default/publish", UriKind.Relative), new
        {
            properties = new { content_type = "application/json", delivery_mode = 2 },
            routing_key = "instance-registrations",
            payload,
            payload_encoding = "string",
        });
        response.EnsureSuccessStatusCode();
        Assert.Contains("\"routed\":true", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The MT-Fault-Message header of the dead letter whose body holds <paramref name="marker"/>; the message is left in the queue.</summary>
    private static async Task<string?> FindErrorAsync(HttpClient management, string marker)
    {
        using var response = await management.PostAsJsonAsync(
            new Uri("queues/%2F/instance-registrations_error/get", UriKind.Relative),
            new { count = 100, ackmode = "ack_requeue_true", encoding = "auto" });
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray()
            .Where(m => m.GetProperty("payload").GetString()!.Contains(marker, StringComparison.Ordinal))
            .Select(m => m.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString())
            .FirstOrDefault();
    }

    private static async Task<List<ServiceProcess>> LeadersAsync(Discovery discovery)
    {
        var leaders = new List<ServiceProcess>();
        foreach (var writer in discovery.Writers)
        {
            var metrics = await writer.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if (metrics.Contains("\npretixops_discovery_writer 1", StringComparison.Ordinal))
            {
                leaders.Add(writer);
            }
        }

        return leaders;
    }

    private static Task<IReadOnlyList<(string InstanceId, string Health)>> UpTargetsAsync(PrometheusProcess prometheus, string pool) =>
        Eventually.ValueAsync(() => prometheus.TargetsAsync(pool), t => t.Count == 1 && t[0].Health == "up");

    private static async Task ScaleAsync(DockerClient docker, string id, ulong replicas)
    {
        var service = await docker.Swarm.InspectServiceAsync(id);
        service.Spec.Mode.Replicated.Replicas = replicas;
        await docker.Swarm.UpdateServiceAsync(id, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });
    }
}
