using System.Text.RegularExpressions;
using PretixOps.TestSupport;
using YamlDotNet.RepresentationModel;

namespace PretixOps.Integration.Tests;

/// <summary>docker-stack.yml as Docker itself renders it (`docker stack config`): what an operator deploys.</summary>
public sealed partial class StackFileTests
{
    private static readonly string StackFile = RepositoryPaths.Combine("docker-stack.yml");

    /// <summary>The Pretix tier: each wraps its image's entrypoint with deploy/registration/register.sh.</summary>
    public static readonly string[] Workloads =
        ["nginx", "web", "pgpool", "pg-1", "pg-2", "pg-3", "redis-master", "redisslave", "sentinel-1", "sentinel-2", "sentinel-3", "haproxy"];

    public static readonly string[] ControlPlane = ["registration", "discovery-writer", "snmp-poller", "alert-ingest", "scaler"];

    /// <summary>
    /// The services the stack runs hardened: the images this repository builds (the control plane, and RabbitMQ's stand-in
    /// here), which is where it could be tried. Third-party images are left as their makers ship them (README).
    /// </summary>
    public static readonly string[] Hardened = [.. ControlPlane, "rabbitmq-1", "rabbitmq-2", "rabbitmq-3"];

    private static readonly string DefinitionsFile = RepositoryPaths.Combine("deploy", "rabbitmq", "definitions.json");

    [Fact]
    public async Task Docker_stack_config_renders_the_whole_stack_of_the_report_and_the_control_plane()
    {
        var services = await RenderAsync();

        Assert.Equal(
            [
                "alert-ingest", "alertmanager", "discovery-writer", "docker-proxy", "elasticsearch", "elasticsearch-setup", "grafana", "haproxy", "kibana",
                "logstash", "nginx", "nginx-log-exporter", "pg-1", "pg-2", "pg-3", "pgpool", "postgres-exporter", "prometheus",
                "rabbitmq-1", "rabbitmq-2", "rabbitmq-3", "redis-exporter", "redis-master", "redisslave", "registration", "scaler",
                "sentinel-1", "sentinel-2", "sentinel-3", "snmp-poller", "web",
            ],
            services.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_file_the_stack_mounts_or_builds_exists()
    {
        var root = await RenderRootAsync();

        var configs = ((YamlMappingNode)root["configs"]).Children;
        Assert.NotEmpty(configs);
        Assert.All(configs, config =>
        {
            var file = ((YamlScalarNode)((YamlMappingNode)config.Value)["file"]).Value!;
            Assert.True(File.Exists(file), $"config {config.Key}: {file} is missing");
        });

        var built = Services(root).Where(s => s.Value.Children.ContainsKey("build")).ToList();
        Assert.Equal(ControlPlane.Order(StringComparer.Ordinal), built.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(built, service =>
        {
            var build = (YamlMappingNode)service.Value["build"];
            // The context is relative to the stack file, as Docker reads it.
            var dockerfile = Path.Combine(RepositoryPaths.Root, ((YamlScalarNode)build["context"]).Value!, ((YamlScalarNode)build["dockerfile"]).Value!);
            var project = ((YamlScalarNode)((YamlMappingNode)build["args"])["SERVICE"]).Value!;
            Assert.True(File.Exists(dockerfile), dockerfile);
            Assert.True(File.Exists(RepositoryPaths.Combine("services", project, project + ".csproj")), project);
        });
    }

    [Fact]
    public async Task Only_docker_proxy_mounts_the_docker_socket_read_only_and_only_on_managers()
    {
        var services = await RenderAsync();

        var withSocket = services.Where(s => s.Value.ToString().Contains("docker.sock", StringComparison.Ordinal)).Select(s => s.Key);

        Assert.Equal(["docker-proxy"], withSocket);
        var proxy = services["docker-proxy"];
        Assert.Contains("node.role == manager", Constraints(proxy));
        var mount = Assert.Single(((YamlSequenceNode)proxy["volumes"]).Children.Cast<YamlMappingNode>());
        Assert.Equal("true", Scalar(mount, "read_only"));
        // No capability, nothing written: what is left of root is the socket's owner's access.
        Assert.Equal(["ALL"], ((YamlSequenceNode)proxy["cap_drop"]).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Equal("true", Scalar(proxy, "read_only"));
        // It runs the allow-list the tests run (DockerProxyTests), from the one file.
        var config = Assert.Single(((YamlSequenceNode)proxy["configs"]).Children.Cast<YamlMappingNode>());
        var file = Scalar((YamlMappingNode)(await RenderRootAsync())["configs"], Scalar(config, "source")!, "file");
        Assert.Equal(RepositoryPaths.Combine("deploy", "docker-proxy", "haproxy.cfg"), file);
        Assert.Contains(Scalar(config, "target")!, ((YamlSequenceNode)proxy["entrypoint"]).Children.Select(c => ((YamlScalarNode)c).Value));
    }

    [Fact]
    public async Task The_scaler_reaches_docker_only_through_docker_proxy_on_a_network_of_their_own_and_not_as_root()
    {
        var root = await RenderRootAsync();
        var services = Services(root).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        var scaler = services["scaler"];

        Assert.False(scaler.Children.ContainsKey("volumes"), "the scaler mounts something");
        Assert.False(scaler.Children.ContainsKey("user"), "the scaler sets a user: it runs as its image's own, never root");
        // The address the Scaler is given is where the proxy listens by default (haproxy.cfg's bind).
        var dockerHost = new Uri(Scalar((YamlMappingNode)scaler["environment"], "Scaler__DockerHost")!);
        Assert.Equal(("tcp", "docker-proxy"), (dockerHost.Scheme, dockerHost.Host));
        var bind = ProxyBind().Match(await File.ReadAllTextAsync(RepositoryPaths.Combine("deploy", "docker-proxy", "haproxy.cfg")));
        Assert.True(bind.Success, "no default bind in deploy/docker-proxy/haproxy.cfg");
        Assert.Equal(bind.Groups["port"].Value, dockerHost.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(["docker-proxy", "scaler"], services.Where(s => Networks(s.Value).Contains("docker-api")).Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["docker-api"], Networks(services["docker-proxy"]));
        Assert.Equal("true", Scalar((YamlMappingNode)root["networks"], "docker-api", "internal"));
    }

    [Fact]
    public async Task Every_password_token_and_key_comes_from_a_docker_secret()
    {
        var root = await RenderRootAsync();

        var secrets = ((YamlMappingNode)root["secrets"]).Children;
        Assert.All(secrets, s => Assert.Equal("true", ((YamlScalarNode)((YamlMappingNode)s.Value)["external"]).Value));
        foreach (var (name, service) in Services(root))
        {
            if (!service.Children.TryGetValue("environment", out var environment))
            {
                continue;
            }
            foreach (var variable in ((YamlMappingNode)environment).Children)
            {
                var key = ((YamlScalarNode)variable.Key).Value!;
                var value = ((YamlScalarNode)variable.Value).Value ?? "";
                if (SecretName().IsMatch(key))
                {
                    Assert.True(value.StartsWith("/run/secrets/", StringComparison.Ordinal), $"{name}: {key} is not a secret file");
                }
            }
        }
    }

    [Fact]
    public async Task Every_long_running_service_has_a_health_check_restart_policy_rollback_and_resource_limits()
    {
        var services = await RenderAsync();

        foreach (var (name, service) in services.Where(s => s.Key != "elasticsearch-setup"))
        {
            var deploy = (YamlMappingNode)service["deploy"];
            Assert.True(deploy.Children.ContainsKey("restart_policy"), $"{name}: no restart policy");
            Assert.Equal("rollback", Scalar(deploy, "update_config", "failure_action"));
            Assert.NotNull(Scalar(deploy, "resources", "limits", "memory"));
            Assert.NotNull(Scalar(deploy, "resources", "limits", "cpus"));
            Assert.NotNull(Scalar(deploy, "resources", "reservations", "memory"));
            // The exporter of nginx's log is a static binary without a shell or HTTP client to check itself with.
            if (name != "nginx-log-exporter")
            {
                Assert.True(service.Children.ContainsKey("healthcheck"), $"{name}: no health check");
            }
        }
    }

    [Fact]
    public async Task The_hardened_services_run_unprivileged_with_a_read_only_root_no_capabilities_and_limits()
    {
        var services = await RenderAsync();

        foreach (var name in Hardened)
        {
            var service = services[name];
            Assert.True(Scalar(service, "read_only") == "true", $"{name}: the root file system is writable");
            Assert.True(Sequence(service, "cap_drop").SequenceEqual(["ALL"]), $"{name}: capabilities are not all dropped");
            Assert.True(Sequence(service, "cap_add").Count == 0, $"{name}: adds capabilities");
            // For `docker compose`; swarm tasks get no-new-privileges from their node's dockerd (StackDeployTests).
            Assert.Contains("no-new-privileges:true", Sequence(service, "security_opt"));
            // The images' own users are unprivileged (app, rabbitmq); root only where the Docker socket is mounted.
            var user = Scalar(service, "user");
            Assert.True(user is not ("root" or "0") || service.ToString().Contains("docker.sock", StringComparison.Ordinal), $"{name} runs as root");
            var limits = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)service["deploy"])["resources"])["limits"];
            Assert.NotNull(Scalar(limits, "cpus"));
            Assert.NotNull(Scalar(limits, "memory"));
        }
    }

    [Fact]
    public async Task Each_control_plane_service_connects_as_its_own_broker_user_whose_password_the_rabbitmq_nodes_hash()
    {
        var services = await RenderAsync();
        var definitions = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(DefinitionsFile))!;
        // Each user's password hash is a placeholder naming its secret (deploy/rabbitmq/definitions.sh).
        var secretOf = definitions["users"]!.AsArray().ToDictionary(
            u => u!["name"]!.GetValue<string>(), u => u!["password_hash"]!.GetValue<string>().Trim('@'), StringComparer.Ordinal);

        var used = new List<string>();
        foreach (var name in ControlPlane)
        {
            var environment = (YamlMappingNode)services[name]["environment"];
            var user = Scalar(environment, "Messaging__Username");
            Assert.Equal(name, user);
            Assert.True(secretOf.TryGetValue(user!, out var secret), $"{name}: no broker user {user} in {DefinitionsFile}");
            Assert.Equal($"/run/secrets/{secret}", Scalar(environment, "Messaging__PasswordFile"));
            Assert.Contains(secret, SecretsOf(services[name]));
            // No other broker user's secret reaches the service.
            Assert.Equal([secret], SecretsOf(services[name]).Intersect(secretOf.Values));
            used.Add(user!);
        }
        Assert.Equal(used.Count, used.Distinct(StringComparer.Ordinal).Count());
        foreach (var node in new[] { "rabbitmq-1", "rabbitmq-2", "rabbitmq-3" })
        {
            Assert.Equal(secretOf.Values.Order(StringComparer.Ordinal), SecretsOf(services[node]).Intersect(secretOf.Values).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task K_sets_the_replicas_of_nginx_pretix_haproxy_and_the_redis_replicas_and_every_component_is_N_plus_1()
    {
        var three = await RenderAsync(new() { ["K"] = "3" });
        var byDefault = await RenderAsync();

        foreach (var name in new[] { "nginx", "web", "haproxy", "redisslave" })
        {
            Assert.Equal(3, Replicas(three[name]));
            Assert.Equal(2, Replicas(byDefault[name]));
        }
        foreach (var name in ControlPlane.Concat(["docker-proxy", "pgpool", "alertmanager", "postgres-exporter", "redis-exporter", "nginx-log-exporter"]))
        {
            Assert.True(Replicas(byDefault[name]) >= 2, $"{name} has fewer than two replicas");
        }
        // The quorums: three nodes each, every one pinned to a node of its own label (its volume lives there).
        foreach (var quorum in new[] { "rabbitmq", "pg", "sentinel" })
        {
            for (var n = 1; n <= 3; n++)
            {
                Assert.Equal(1, Replicas(byDefault[$"{quorum}-{n}"]));
                Assert.Contains($"node.labels.pretixops.node{n} == true", Constraints(byDefault[$"{quorum}-{n}"]));
            }
        }
        Assert.Equal("global", Scalar((YamlMappingNode)byDefault["logstash"]["deploy"], "mode"));
    }

    [Fact]
    public async Task Tiers_are_on_their_own_networks()
    {
        var services = await RenderAsync();

        Assert.Equal(["frontend", "monitoring"], Networks(services["nginx"]));
        Assert.Equal(["backend", "frontend", "monitoring"], Networks(services["web"]));
        Assert.Equal(["backend", "monitoring"], Networks(services["pg-1"]));
        Assert.Equal(["control", "monitoring"], Networks(services["rabbitmq-1"]));
        Assert.All(ControlPlane.Where(n => n != "scaler"), name => Assert.Equal(["control", "monitoring"], Networks(services[name])));
        Assert.Equal(["control", "docker-api", "monitoring"], Networks(services["scaler"]));
        Assert.Equal(["logging"], Networks(services["elasticsearch"]));
        // Nothing of the Pretix tier reaches the broker, and the public proxy reaches no database.
        Assert.All(Workloads, name => Assert.DoesNotContain("control", Networks(services[name])));
        Assert.DoesNotContain("backend", Networks(services["nginx"]));
    }

    [Fact]
    public async Task Every_workload_of_the_pretix_tier_registers_itself_through_the_entrypoint_wrapper()
    {
        var services = await RenderAsync();

        foreach (var name in Workloads)
        {
            var service = services[name];
            var entrypoint = ((YamlSequenceNode)service["entrypoint"]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
            Assert.Equal("/usr/local/bin/pretixops-register", entrypoint[0]);
            var environment = (YamlMappingNode)service["environment"];
            Assert.Equal("{{.Service.Name}}", Scalar(environment, "PRETIXOPS_SERVICE"));
            Assert.Equal("{{.Task.Slot}}", Scalar(environment, "PRETIXOPS_SLOT"));
            Assert.Equal("{{.Node.Hostname}}", Scalar(environment, "PRETIXOPS_NODE"));
            // Its own credential, never the shared token: a credential registers only its own service.
            Assert.Contains($"registration_token_{name}", SecretsOf(service));
            Assert.DoesNotContain("api_token", SecretsOf(service));
            Assert.Contains(((YamlSequenceNode)service["secrets"]).Children.OfType<YamlMappingNode>(),
                s => Scalar(s, "source") == $"registration_token_{name}" && Scalar(s, "target") == "registration_token");
            Assert.Equal("/run/secrets/registration_token", Scalar(environment, "PRETIXOPS_TOKEN_FILE"));
            Assert.Contains(((YamlSequenceNode)service["configs"]).Children.Cast<YamlMappingNode>(),
                c => Scalar(c, "source") == "pretixops_register" && Scalar(c, "target") == "/usr/local/bin/pretixops-register");
        }
    }

    [Fact]
    public async Task Registration_knows_the_workloads_by_a_credentials_file_and_Prometheus_reads_http_sd_with_its_own_credential()
    {
        var services = await RenderAsync();

        var registration = (YamlMappingNode)services["registration"]["environment"];
        Assert.Equal("/run/secrets/registration_credentials", Scalar(registration, "Auth__CredentialsFile"));
        Assert.Contains("registration_credentials", SecretsOf(services["registration"]));
        Assert.Equal(["discovery_token", "pretix_metrics_password", "pretixops_tls_ca"], SecretsOf(services["prometheus"]).Order(StringComparer.Ordinal));
        var discovery = (YamlMappingNode)services["discovery-writer"]["environment"];
        Assert.Equal(("prometheus", "/run/secrets/discovery_token", "read"), (Scalar(discovery, "Auth__Credentials__0__Name"),
            Scalar(discovery, "Auth__Credentials__0__TokenFile"), Scalar(discovery, "Auth__Credentials__0__Roles__0")));
        // The registration token of each workload reaches that workload only.
        foreach (var (name, service) in services)
        {
            Assert.All(SecretsOf(service).Where(s => s.StartsWith("registration_token_", StringComparison.Ordinal)),
                secret => Assert.Equal($"registration_token_{name}", secret));
        }
    }

    internal static async Task<Dictionary<string, YamlMappingNode>> RenderAsync(Dictionary<string, string?>? environment = null) =>
        Services(await RenderRootAsync(environment)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

    internal static async Task<YamlMappingNode> RenderRootAsync(Dictionary<string, string?>? environment = null)
    {
        environment ??= [];
        environment["DOCKER_HOST"] = Infrastructure.DockerHost;
        var result = await Cli.RunAsync("docker", ["stack", "config", "-c", StackFile], environment);
        Assert.True(result.ExitCode == 0, result.Output);
        var stream = new YamlStream();
        stream.Load(new StringReader(result.Output));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    internal static IEnumerable<(string Key, YamlMappingNode Value)> Services(YamlMappingNode root) =>
        ((YamlMappingNode)root["services"]).Children.Select(s => (((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value));

    internal static int Replicas(YamlMappingNode service) =>
        int.Parse(Scalar((YamlMappingNode)service["deploy"], "replicas")!, System.Globalization.CultureInfo.InvariantCulture);

    internal static List<string> Networks(YamlMappingNode service) =>
        service["networks"] switch
        {
            YamlMappingNode map => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal).ToList(),
            YamlSequenceNode list => list.Children.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal).ToList(),
            _ => [],
        };

    internal static List<string> Constraints(YamlMappingNode service) =>
        ((YamlMappingNode)service["deploy"]).Children.TryGetValue("placement", out var placement)
        && ((YamlMappingNode)placement).Children.TryGetValue("constraints", out var constraints)
            ? ((YamlSequenceNode)constraints).Children.Select(c => ((YamlScalarNode)c).Value!).ToList()
            : [];

    internal static List<string> SecretsOf(YamlMappingNode service) =>
        service.Children.TryGetValue("secrets", out var secrets)
            ? ((YamlSequenceNode)secrets).Children.Select(s => s is YamlMappingNode m ? Scalar(m, "source")! : ((YamlScalarNode)s).Value!).ToList()
            : [];

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlSequenceNode list
            ? [.. list.Children.Select(c => ((YamlScalarNode)c).Value!)]
            : [];

    private static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(key, out var next))
            {
                return null;
            }
            current = next;
        }
        return (current as YamlScalarNode)?.Value;
    }

    [GeneratedRegex("bind\\s+\"\\$\\{DOCKER_PROXY_BIND-:(?<port>[0-9]+)\\}\"")]
    private static partial Regex ProxyBind();

    [GeneratedRegex("(PASSWORD|PASS|TOKEN|TOKENS|SECRET|COOKIE|HMAC|COMMUNITY|CREDENTIALS)(_FILE|__FILE|FILE)?$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
