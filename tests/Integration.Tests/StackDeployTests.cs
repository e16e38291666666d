using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.TestSupport;
using YamlDotNet.RepresentationModel;

namespace PretixOps.Integration.Tests;

/// <summary>
/// docker-stack.yml deployed with `docker stack deploy` on the local swarm manager, once for the class. No registry is
/// reachable, so third-party images cannot be pulled: for those the specs are asserted, not their tasks. The control
/// plane runs for real from the images `make images` built (the five services, RabbitMQ from Debian's package, and
/// docker-proxy from Debian's haproxy).
/// </summary>
public sealed partial class StackDeployTests(StackDeployTests.StackDeployment stack) : IClassFixture<StackDeployTests.StackDeployment>
{
    [Fact]
    public void Every_service_network_and_secret_is_created_as_declared()
    {
        var declared = StackFileTests.Services(stack.Rendered).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), stack.Deployed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, spec) in stack.Deployed)
        {
            var service = declared[name];
            if (spec.Mode.Replicated is { } replicated)
            {
                Assert.Equal((ulong)StackFileTests.Replicas(service), replicated.Replicas);
            }
            else
            {
                Assert.NotNull(spec.Mode.Global);
            }
            var networks = spec.TaskTemplate.Networks.Select(n => stack.NetworkNames[n.Target]).Order(StringComparer.Ordinal);
            Assert.Equal(StackFileTests.Networks(service).Select(n => $"{StackDeployment.Name}_{n}"), networks);
            Assert.Equal(
                StackFileTests.Constraints(service).Order(StringComparer.Ordinal),
                (spec.TaskTemplate.Placement?.Constraints ?? []).Order(StringComparer.Ordinal));
            Assert.Equal(
                StackFileTests.SecretsOf(service).Order(StringComparer.Ordinal),
                (spec.TaskTemplate.ContainerSpec.Secrets ?? []).Select(s => s.SecretName).Order(StringComparer.Ordinal));
        }
        Assert.Equal(
            ["backend", "control", "docker-api", "frontend", "logging", "monitoring"],
            stack.NetworkNames.Values.Select(n => n[(StackDeployment.Name.Length + 1)..]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_control_plane_is_healthy_with_two_replicas_each_on_a_three_node_RabbitMQ_cluster()
    {
        foreach (var name in StackFileTests.ControlPlane)
        {
            var healthy = await stack.HealthyTasksAsync(name);
            Assert.True(healthy == 2, $"{name}: {healthy} healthy tasks of 2");
        }

        using var cluster = JsonDocument.Parse(await stack.RabbitAsync("rabbitmqctl", "cluster_status", "--formatter", "json"));
        Assert.Equal(
            ["rabbit@rabbitmq-1", "rabbit@rabbitmq-2", "rabbit@rabbitmq-3"],
            cluster.RootElement.GetProperty("running_nodes").EnumerateArray().Select(n => n.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_service_replica_is_connected_and_the_durable_queues_are_quorum_queues()
    {
        // Each service names its connection after itself (the client property connection_name); two replicas are two peers.
        var connections = await Eventually.ValueAsync(
            async () => Rows(await stack.RabbitAsync("rabbitmqctl", "list_connections", "--quiet", "--no-table-headers", "peer_host", "client_properties"))
                .Select(r => (Peer: r[0], Name: ConnectionName().Match(r.Length > 1 ? r[1] : "").Groups[1].Value))
                .GroupBy(r => r.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(r => r.Peer).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal),
            peers => StackFileTests.ControlPlane.All(s => peers.GetValueOrDefault(s) == 2),
            TimeSpan.FromMinutes(2));
        Assert.All(StackFileTests.ControlPlane, s => Assert.True(connections.GetValueOrDefault(s) == 2, $"{s}: {connections.GetValueOrDefault(s)} replicas connected"));

        string[] durable = ["instance-registrations", "discovery-writer-queries", "scaler", "scaler-notifications"];
        var queues = await Eventually.ValueAsync(
            async () => Rows(await stack.RabbitAsync("rabbitmqctl", "list_queues", "--quiet", "--no-table-headers", "name", "type", "consumers"))
                .Where(r => r.Length == 3).ToDictionary(r => r[0], r => (Type: r[1], Consumers: r[2]), StringComparer.Ordinal),
            rows => durable.All(q => rows.TryGetValue(q, out var row) && row.Consumers != "0"),
            TimeSpan.FromMinutes(1));
        foreach (var queue in durable)
        {
            Assert.True(queues.TryGetValue(queue, out var row), $"no queue {queue}");
            Assert.Equal("quorum", row.Type);
            Assert.True(row.Consumers != "0", $"{queue} has no consumer");
        }

        // The Scaler's journal: a stream the cluster replicates, read by both replicas.
        Assert.True(queues.TryGetValue("scaler-journal", out var journal), "no stream scaler-journal");
        Assert.Equal(("stream", "2"), (journal.Type, journal.Consumers));
    }

    [Fact]
    public async Task The_two_scalers_agree_on_one_leader_and_opsctl_inside_either_shows_the_same_status()
    {
        var containers = await stack.Docker.WithLabelAsync($"com.docker.swarm.service.name={StackDeployment.Name}_scaler", ("status", "running"));
        Assert.Equal(2, containers.Count);

        var replicas = new List<JsonElement>();
        foreach (var container in containers)
        {
            var answer = await Eventually.ValueAsync(
                () => Cli.DockerAsync("exec", container.ID, "opsctl", "status", "pretix_web", "--json"),
                result => result.ExitCode == 0 && result.Output.Contains("\"leaderInstance\":\"", StringComparison.Ordinal));
            Assert.True(answer.ExitCode == 0, answer.Output);
            using var status = JsonDocument.Parse(answer.Output);
            replicas.Add(status.RootElement.GetProperty("replica").Clone());
        }

        Assert.Single(replicas, r => r.GetProperty("leader").GetBoolean());
        Assert.Single(replicas.Select(r => r.GetProperty("leaderInstance").GetString()).Distinct());
    }

    [Fact]
    public async Task The_scalers_reach_docker_only_through_docker_proxy_as_their_own_user_and_anything_off_its_list_is_refused()
    {
        var containers = await stack.Docker.WithLabelAsync($"com.docker.swarm.service.name={StackDeployment.Name}_scaler", ("status", "running"));
        Assert.Equal(2, containers.Count);

        foreach (var container in containers)
        {
            // The status inspects the service there and then: Docker answered, through the proxy, the Scaler's only way.
            var answer = await Eventually.ValueAsync(
                () => Cli.DockerAsync("exec", container.ID, "opsctl", "status", "pretix_web", "--json"),
                result => result.ExitCode == 0 && DockerUp(result.Output));
            Assert.True(answer.ExitCode == 0 && DockerUp(answer.Output), answer.Output);

            var self = await Cli.DockerAsync("exec", container.ID, "bash", "-c", "id -u; test -e /var/run/docker.sock && echo socket || echo no socket");
            Assert.Equal(["1654", "no socket"], self.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

            var refused = await Cli.DockerAsync("exec", container.ID, "bash", "-c",
                "exec 3<>/dev/tcp/docker-proxy/2375 && printf 'POST /containers/create HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' >&3 && head -n 1 <&3");
            Assert.Contains(" 403 ", refused.Output, StringComparison.Ordinal);
        }

        static bool DockerUp(string json)
        {
            try
            {
                using var status = JsonDocument.Parse(json);
                return status.RootElement.GetProperty("docker").GetProperty("up").GetBoolean();
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task Each_service_is_connected_as_its_own_broker_user_and_the_administrator_by_none()
    {
        // The users the nodes loaded from deploy/rabbitmq/definitions.json, with the hashes of the stack's secrets.
        var users = Rows(await stack.RabbitAsync("rabbitmqctl", "list_users", "--quiet", "--no-table-headers")).Select(r => r[0]).ToList();
        Assert.Equal(
            StackFileTests.ControlPlane.Append("opsctl").Append("pretixops").Order(StringComparer.Ordinal),
            users.Order(StringComparer.Ordinal));

        var byService = await Eventually.ValueAsync(
            async () => Rows(await stack.RabbitAsync("rabbitmqctl", "list_connections", "--quiet", "--no-table-headers", "user", "client_properties"))
                .Select(r => (User: r[0], Name: ConnectionName().Match(r.Length > 1 ? r[1] : "").Groups[1].Value))
                .Where(r => r.Name.Length > 0)
                .GroupBy(r => r.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(r => r.User).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal),
            connections => StackFileTests.ControlPlane.All(connections.ContainsKey),
            TimeSpan.FromMinutes(2));
        foreach (var service in StackFileTests.ControlPlane)
        {
            Assert.Equal([service], byService.GetValueOrDefault(service) ?? []);
        }
    }

    /// <summary>
    /// What an operator (or an attacker with a shell) finds inside a running hardened task: not root, a root file system that
    /// refuses writes, no capabilities, no way to gain privileges (the node's dockerd runs with --no-new-privileges: swarm
    /// has no per-service setting for it), and the limits of the stack file on the task's spec.
    /// </summary>
    [Theory]
    [InlineData("registration")]
    [InlineData("discovery-writer")]
    [InlineData("rabbitmq-1")]
    [InlineData("scaler")]
    [InlineData("alert-ingest")]
    public async Task A_hardened_task_runs_unprivileged_on_a_read_only_root_without_capabilities_and_within_its_limits(string name)
    {
        var container = await stack.ContainerOfAsync(name);

        var write = await Cli.DockerAsync("exec", container, "sh", "-c", "echo probe > /pretixops-probe");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Output, StringComparison.Ordinal);

        // The service itself (PID 1 after exec) and a shell an operator starts beside it.
        foreach (var process in new[] { "1", "self" })
        {
            var status = await Cli.DockerAsync("exec", container, "cat", $"/proc/{process}/status");
            Assert.True(status.ExitCode == 0, status.Output);
            var fields = status.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(':', 2)).Where(f => f.Length == 2)
                .ToDictionary(f => f[0], f => f[1].Trim(), StringComparer.Ordinal);
            Assert.DoesNotContain("0", fields["Uid"].Split('\t'));
            Assert.Equal("0000000000000000", fields["CapEff"]);
            Assert.Equal("0000000000000000", fields["CapPrm"]);
            Assert.True(fields["NoNewPrivs"] == "1",
                $"{name}, /proc/{process}: NoNewPrivs {fields["NoNewPrivs"]}; the node's dockerd must run with --no-new-privileges (README, prerequisites)");
        }

        var limits = stack.Deployed[name].TaskTemplate.Resources.Limits;
        var declared = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)StackFileTests.Services(stack.Rendered).Single(s => s.Key == name).Value["deploy"])["resources"])["limits"];
        Assert.Equal(long.Parse(((YamlScalarNode)declared["memory"]).Value!, System.Globalization.CultureInfo.InvariantCulture), limits.MemoryBytes);
        Assert.Equal(
            (long)(decimal.Parse(((YamlScalarNode)declared["cpus"]).Value!, System.Globalization.CultureInfo.InvariantCulture) * 1_000_000_000),
            limits.NanoCPUs);
        Assert.True(limits.MemoryBytes > 0 && limits.NanoCPUs > 0);
    }

    [GeneratedRegex("\"connection_name\",\"([^\"]*)\"")]
    private static partial Regex ConnectionName();

    private static List<string[]> Rows(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => line.Split('\t'))];

    [Fact]
    public async Task A_workload_wrapped_by_the_register_script_registers_on_start_and_deregisters_when_scaled_to_zero()
    {
        var name = "itest-workload-" + Guid.NewGuid().ToString("N")[..6];
        var created = await stack.Docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = name,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 1 } },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec
                    {
                        Image = Infrastructure.BusyboxImage,
                        Command = ["/usr/local/bin/pretixops-register"],
                        Args = ["sleep", "3600"],
                        Env =
                        [
                            // Swarm's VIP needs IPVS, which this machine's kernel lacks: tasks.<service> names the tasks themselves.
                            "PRETIXOPS_REGISTRATION_URL=http://tasks.registration:5101",
                            "PRETIXOPS_SERVICE={{.Service.Name}}", "PRETIXOPS_SLOT={{.Task.Slot}}", "PRETIXOPS_NODE={{.Node.Hostname}}",
                            // The stack's workloads hold a registration credential of their own, not the shared api_token.
                            "PRETIXOPS_TOKEN_FILE=/run/secrets/registration_token",
                            $$"""PRETIXOPS_EXPORTERS=[{"job":"{{name}}","port":8080}]""",
                        ],
                        Configs = [new SwarmConfigReference
                        {
                            ConfigID = await stack.ConfigIdAsync("pretixops_register"),
                            ConfigName = $"{StackDeployment.Name}_pretixops_register",
                            File = new ConfigReferenceFileTarget { Name = "/usr/local/bin/pretixops-register", UID = "0", GID = "0", Mode = Convert.ToUInt32("555", 8) },
                        }],
                        Secrets = [new SecretReference
                        {
                            SecretID = stack.SecretIds[StackDeployment.WorkloadTokenSecret],
                            SecretName = StackDeployment.WorkloadTokenSecret,
                            File = new SecretReferenceFileTarget { Name = "registration_token", UID = "0", GID = "0", Mode = Convert.ToUInt32("444", 8) },
                        }],
                    },
                    Networks = [new NetworkAttachmentConfig { Target = $"{StackDeployment.Name}_monitoring" }],
                },
            },
        });
        try
        {
            var node = (await stack.Docker.Swarm.ListNodesAsync()).Single().Description.Hostname;
            var registered = await Eventually.ValueAsync(() => stack.InstancesAsync(name),
                list => list.Count == 1 && list[0].ValueKind == JsonValueKind.Object, TimeSpan.FromMinutes(2));
            var instance = Assert.Single(registered);
            Assert.Equal($"{name}.1", instance.GetProperty("instanceId").GetString());
            Assert.Equal(1, instance.GetProperty("slot").GetInt32());
            Assert.Equal(node, instance.GetProperty("node").GetString());
            // Registration takes the caller's address: the task's own on the monitoring network, where Prometheus reaches it.
            var task = (await stack.Docker.Tasks.ListAsync(new TasksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [name] = true } },
            })).Single(t => t.Status.State == TaskState.Running);
            var monitoring = task.NetworksAttachments.Single(a => a.Network.Spec.Name == $"{StackDeployment.Name}_monitoring");
            Assert.Equal(monitoring.Addresses[0].Split('/')[0], instance.GetProperty("address").GetString());
            Assert.Equal(8080, instance.GetProperty("exporters")[0].GetProperty("port").GetInt32());

            var service = await stack.Docker.Swarm.InspectServiceAsync(created.ID);
            service.Spec.Mode.Replicated.Replicas = 0;
            await stack.Docker.Swarm.UpdateServiceAsync(created.ID, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });

            // Stopped, the wrapper deregisters at once: gone long before its 90 s TTL could run out.
            var left = await Eventually.ValueAsync(() => stack.InstancesAsync(name), list => list.Count == 0, TimeSpan.FromSeconds(60));
            // The wrapper's TTL is 90 s: gone within 60 s means it deregistered, not that it expired.
            Assert.Empty(left);
        }
        finally
        {
            await stack.Docker.Swarm.RemoveServiceAsync(created.ID);
        }
    }

    /// <summary>The stack, deployed once for the tests of this class and removed after them.</summary>
    public sealed class StackDeployment : IAsyncLifetime
    {
        public const string Name = "pretixops-itest";

        private const string HaproxyImage = "pretixops/haproxy:local";

        /// <summary>What runs for real: the control plane, its broker, and the Scaler's way to Docker.</summary>
        private static readonly string[] Running = [.. StackFileTests.ControlPlane, "rabbitmq-1", "rabbitmq-2", "rabbitmq-3", "docker-proxy"];

        private static readonly string[] Secrets =
        [
            "rabbitmq_password", "rabbitmq_registration_password", "rabbitmq_discovery_writer_password", "rabbitmq_snmp_poller_password",
            "rabbitmq_alert_ingest_password", "rabbitmq_scaler_password", "rabbitmq_opsctl_password", "rabbitmq_erlang_cookie", "api_token", "operator_token", "alertmanager_webhook_password", "grafana_webhook_token",
            "grafana_webhook_hmac", "grafana_admin_password", "snmp_community", "pretix_cfg", "pretix_metrics_password", "postgres_password",
            "pretix_db_password", "repmgr_password", "pgpool_admin_password", "redis_password", "elastic_password", "kibana_password",
            "registration_credentials", "discovery_token", WorkloadTokenSecret, .. StackFileTests.Workloads.Select(w => $"registration_token_{w}"),
        ];

        /// <summary>Certificates and keys, made by a CA of the test's own: what the brokers and AlertIngest serve, and what every client trusts.</summary>
        private static readonly string[] TlsSecrets = ["pretixops_tls_ca", "rabbitmq_tls_cert", "rabbitmq_tls_key", "alert_ingest_tls_cert", "alert_ingest_tls_key"];

        /// <summary>The registration credential of the test's own workloads: it may register any service (their names are made up per test).</summary>
        public const string WorkloadTokenSecret = "itest_workload_token";

        private readonly string _workloadToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

        public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();

        public YamlMappingNode Rendered { get; private set; } = null!;

        /// <summary>Each service's spec as `docker stack deploy` created it, by its name in the stack file.</summary>
        public Dictionary<string, ServiceSpec> Deployed { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> NetworkNames { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> SecretIds { get; } = new(StringComparer.Ordinal);

        private static Dictionary<string, string?> Environment => new()
        {
            ["DOCKER_HOST"] = Infrastructure.DockerHost,
            // The stand-ins `make images` built, and the local dockerd's socket for the Scaler.
            ["RABBITMQ_IMAGE"] = "pretixops/rabbitmq:local",
            ["HAPROXY_IMAGE"] = HaproxyImage,
            // docker-proxy's, the only mount of it.
            ["DOCKER_SOCKET"] = new Uri(Infrastructure.DockerHost).LocalPath,
        };

        public async Task InitializeAsync()
        {
            foreach (var image in StackFileTests.ControlPlane.Select(s => $"pretixops/{s}:latest").Append("pretixops/rabbitmq:local").Append(HaproxyImage))
            {
                if ((await Cli.DockerAsync("image", "inspect", image)).ExitCode != 0)
                {
                    throw new InvalidOperationException($"image {image} is missing: build the images with `make images` (make test does).");
                }
            }
            await RemoveAsync();
            foreach (var secret in Secrets)
            {
                var created = await Docker.Secrets.CreateAsync(new SecretSpec
                {
                    Name = secret,
                    Data = System.Text.Encoding.UTF8.GetBytes(secret switch
                    {
                        WorkloadTokenSecret => _workloadToken,
                        // Registration's credentials file: the test workload's token by its hash only, as an operator issues it.
                        "registration_credentials" => $$"""[{"name":"itest-workloads","sha256":"{{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_workloadToken)))}}","roles":["register"],"services":["*"]}]""",
                        _ => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)),
                    }),
                });
                SecretIds[secret] = created.ID;
            }
            using (var ca = TestCa.Create("pretixops stack test CA"))
            {
                var broker = ca.Issue("rabbitmq", "rabbitmq-1", "rabbitmq-2", "rabbitmq-3");
                var ingest = ca.Issue("alert-ingest", "alert-ingest", "localhost", "127.0.0.1");
                string[] files = [ca.CertificateFile, broker.CertificateFile, broker.KeyFile, ingest.CertificateFile, ingest.KeyFile];
                foreach (var (secret, file) in TlsSecrets.Zip(files))
                {
                    var created = await Docker.Secrets.CreateAsync(new SecretSpec { Name = secret, Data = await File.ReadAllBytesAsync(file) });
                    SecretIds[secret] = created.ID;
                }
            }
            // The stack pins its quorum members and monitoring by node label; one node carries them all here.
            var node = (await Docker.Swarm.ListNodesAsync()).Single();
            var labels = new Dictionary<string, string>(node.Spec.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                ["pretixops.node1"] = "true",
                ["pretixops.node2"] = "true",
                ["pretixops.node3"] = "true",
                ["pretixops.monitoring"] = "true",
            };
            node.Spec.Labels = labels;
            await Docker.Swarm.UpdateNodeAsync(node.ID, (ulong)node.Version.Index, new NodeUpdateParameters
            {
                Role = node.Spec.Role,
                Availability = node.Spec.Availability,
                Name = node.Spec.Name,
                Labels = labels,
            });

            var environment = Environment;
            var rendered = await Cli.RunAsync("docker", ["stack", "config", "-c", RepositoryPaths.Combine("docker-stack.yml")], environment);
            Assert.True(rendered.ExitCode == 0, rendered.Output);
            var yaml = new YamlStream();
            yaml.Load(new StringReader(rendered.Output));
            Rendered = (YamlMappingNode)yaml.Documents[0].RootNode;

            var deployed = await Cli.RunAsync("docker", ["stack", "deploy", "--resolve-image", "never", "-c", RepositoryPaths.Combine("docker-stack.yml"), Name], environment);
            Assert.True(deployed.ExitCode == 0, deployed.Output);

            foreach (var network in await Docker.Networks.ListNetworksAsync(new NetworksListParameters()))
            {
                if (network.Name.StartsWith(Name + "_", StringComparison.Ordinal))
                {
                    NetworkNames[network.ID] = network.Name;
                }
            }
            foreach (var service in await StackServicesAsync())
            {
                Deployed[service.Spec.Name[(Name.Length + 1)..]] = service.Spec;
            }

            // Their images cannot be pulled here: scaled to nothing, they stop retrying on a two-core machine.
            var control = Running.Select(s => $"{Name}_{s}").ToHashSet();
            foreach (var service in await StackServicesAsync())
            {
                if (!control.Contains(service.Spec.Name) && service.Spec.Mode.Replicated is not null)
                {
                    await ScaleToNothingAsync(service.ID);
                }
                else if (service.Spec.Mode.Global is not null)
                {
                    await Docker.Swarm.RemoveServiceAsync(service.ID);
                }
            }

            // The cluster forms (node 1 first, then the others join it) and the services connect: a few minutes here.
            foreach (var name in Running)
            {
                var wanted = name.StartsWith("rabbitmq", StringComparison.Ordinal) ? 1 : 2;
                await Eventually.ValueAsync(() => HealthyTasksAsync(name), healthy => healthy == wanted, TimeSpan.FromMinutes(6));
            }
        }

        /// <summary>
        /// Swarm may still be settling a service it has just created (its version moves on): an update that comes out of
        /// sequence reads the service again and is tried again.
        /// </summary>
        private async Task ScaleToNothingAsync(string id)
        {
            for (var attempt = 1; ; attempt++)
            {
                var service = await Docker.Swarm.InspectServiceAsync(id);
                service.Spec.Mode.Replicated.Replicas = 0;
                try
                {
                    await Docker.Swarm.UpdateServiceAsync(id, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });
                    return;
                }
                catch (DockerApiException e) when (attempt < 10 && e.Message.Contains("out of sequence", StringComparison.Ordinal))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
                }
            }
        }

        public async Task DisposeAsync()
        {
            await RemoveAsync();
            Docker.Dispose();
        }

        public async Task<string> ConfigIdAsync(string name) =>
            (await Docker.Configs.ListConfigsAsync()).Single(c => c.Spec.Name == $"{Name}_{name}").ID;

        /// <summary>Running tasks of a stack service whose container reports itself healthy.</summary>
        public async Task<int> HealthyTasksAsync(string service)
        {
            return (await Docker.WithLabelAsync($"com.docker.swarm.service.name={Name}_{service}", ("health", "healthy"))).Count;
        }

        /// <summary>A RabbitMQ command run inside node 1, as an operator would with `docker exec`.</summary>
        public async Task<string> RabbitAsync(params string[] command)
        {
            var container = await ContainerOfAsync("rabbitmq-1");
            var result = await Cli.DockerAsync(["exec", container, .. command]);
            Assert.True(result.ExitCode == 0, result.Output);
            return result.Output;
        }

        /// <summary>What Registration holds for a service, through opsctl inside a Registration container.</summary>
        public async Task<List<JsonElement>> InstancesAsync(string service)
        {
            var container = await ContainerOfAsync("registration");
            var result = await Cli.DockerAsync("exec", container, "opsctl", "instances", "--service", service, "--json", "--token-file", "/run/secrets/api_token");
            if (result.ExitCode != 0 && result.Output.Contains("answered 503", StringComparison.Ordinal))
            {
                return [new JsonElement()]; // no DiscoveryWriter has answered yet: not an answer, ask again
            }
            Assert.True(result.ExitCode == 0, result.Output);
            using var json = JsonDocument.Parse(result.Output);
            return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }

        public async Task<string> ContainerOfAsync(string service)
        {
            var containers = await Docker.WithLabelAsync($"com.docker.swarm.service.name={Name}_{service}", ("status", "running"));
            return containers.Count > 0 ? containers[0].ID : throw new InvalidOperationException($"no running container of {service}");
        }

        private async Task<List<SwarmService>> StackServicesAsync() =>
            [.. await Docker.Swarm.ListServicesAsync(new ServicesListParameters
            {
                Filters = new ServiceFilter { Label = [$"com.docker.stack.namespace={Name}"] },
            })];

        /// <summary>The stack and its secrets and volumes, gone; also what an interrupted earlier run left.</summary>
        private async Task RemoveAsync()
        {
            await Cli.DockerAsync("stack", "rm", Name);
            await Docker.GoneAsync($"com.docker.stack.namespace={Name}", TimeSpan.FromMinutes(2));
            await Eventually.ValueAsync(
                async () => (await Docker.Networks.ListNetworksAsync(new NetworksListParameters())).Count(n => n.Name.StartsWith(Name + "_", StringComparison.Ordinal)),
                count => count == 0,
                TimeSpan.FromMinutes(1));
            foreach (var secret in await Docker.Secrets.ListAsync())
            {
                if (Secrets.Contains(secret.Spec.Name) || TlsSecrets.Contains(secret.Spec.Name))
                {
                    await Docker.Secrets.DeleteAsync(secret.ID);
                }
            }
            var volumes = await Docker.Volumes.ListAsync();
            foreach (var volume in volumes.Volumes.Where(v => v.Name.StartsWith(Name + "_", StringComparison.Ordinal)))
            {
                await Docker.Volumes.RemoveAsync(volume.Name, force: true);
            }
        }
    }
}
