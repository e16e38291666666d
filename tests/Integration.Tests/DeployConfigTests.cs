using System.Text.Json;
using PretixOps.TestSupport;
using YamlDotNet.RepresentationModel;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The configuration files under deploy/ that docker-stack.yml mounts, checked by the tools that will read them:
/// promtool, amtool, nginx and haproxy from Debian's packages (`make infra` installs them), and the Scaler's
/// shipped policy against the alerts that are meant to reach it.
/// </summary>
public sealed class DeployConfigTests
{
    private static string Deploy(params string[] parts) => RepositoryPaths.Combine(["deploy", .. parts]);

    [Fact]
    public async Task Promtool_accepts_the_prometheus_configuration_and_its_rule_files()
    {
        var config = await Cli.RunAsync("promtool", ["check", "config", Deploy("prometheus", "prometheus.yml")]);
        Assert.True(config.ExitCode == 0, config.Output);

        var rules = await Cli.RunAsync("promtool", ["check", "rules", Deploy("prometheus", "rules", "sla.yml"), Deploy("prometheus", "rules", "scaling.yml")]);
        Assert.True(rules.ExitCode == 0, rules.Output);
        Assert.Contains("SUCCESS: 7 rules found", rules.Output, StringComparison.Ordinal);
        Assert.Contains("SUCCESS: 5 rules found", rules.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_SLA_and_scaling_rule_fires_above_its_threshold_and_not_at_it()
    {
        // The unit tests in deploy/prometheus/tests/ feed each rule a series exactly at its threshold (no alert)
        // and one just above (the alert, with its labels, after its `for`).
        var tests = Directory.GetFiles(Deploy("prometheus", "tests"), "*.yml").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, tests.Length);

        var result = await Cli.RunAsync("promtool", ["test", "rules", .. tests]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("FAILED", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rule_tests_fail_when_a_threshold_moves()
    {
        // A rule test that cannot fail proves nothing: with the CPU threshold lowered from 90 % to 89 %, the
        // series at exactly 90 % must now alert, and the tests must say so.
        var scratch = Directory.CreateTempSubdirectory("pretixops-rules-");
        try
        {
            Directory.CreateDirectory(Path.Combine(scratch.FullName, "rules"));
            Directory.CreateDirectory(Path.Combine(scratch.FullName, "tests"));
            var sla = await File.ReadAllTextAsync(Deploy("prometheus", "rules", "sla.yml"));
            Assert.Contains(") > 0.9", sla, StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(scratch.FullName, "rules", "sla.yml"), sla.Replace(") > 0.9\n", ") > 0.89\n", StringComparison.Ordinal));
            File.Copy(Deploy("prometheus", "tests", "sla.test.yml"), Path.Combine(scratch.FullName, "tests", "sla.test.yml"));

            var result = await Cli.RunAsync("promtool", ["test", "rules", Path.Combine(scratch.FullName, "tests", "sla.test.yml")]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("HostCpuHigh", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Amtool_accepts_the_alertmanager_configuration()
    {
        var result = await Cli.RunAsync("amtool", ["check-config", Deploy("alertmanager", "alertmanager.yml")]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Alertmanager_posts_to_AlertIngest_with_basic_auth_from_a_secret_file_and_sends_resolutions()
    {
        var receiver = Yaml(Deploy("alertmanager", "alertmanager.yml"))
            .Seq("receivers").Cast<YamlMappingNode>().Single(r => r.Str("name") == "alert-ingest");
        var webhook = (YamlMappingNode)receiver.Seq("webhook_configs").Single();

        Assert.Equal("https://alert-ingest:5104/v1/alerts/alertmanager", webhook.Str("url"));
        Assert.Equal("/run/secrets/pretixops_tls_ca", webhook.Map("http_config").Map("tls_config").Str("ca_file"));
        Assert.Equal("true", webhook.Str("send_resolved"));
        var auth = webhook.Map("http_config").Map("basic_auth");
        Assert.Equal("alertmanager", auth.Str("username"));
        Assert.Equal("/run/secrets/alertmanager_webhook_password", auth.Str("password_file"));
    }

    [Fact]
    public async Task Nginx_accepts_its_configuration()
    {
        var result = await Cli.RunAsync("nginx", ["-t", "-c", Deploy("nginx", "nginx.conf")]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("test is successful", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Haproxy_accepts_its_configuration()
    {
        // The password reaches HAProxy through its environment (haproxy-start.sh reads the secret); any will do here.
        var result = await Cli.RunAsync("haproxy", ["-c", "-f", Deploy("haproxy", "haproxy.cfg")],
            new Dictionary<string, string?> { ["REDIS_PASSWORD"] = "0123456789abcdef" });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Configuration file is valid", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_start_script_is_valid_POSIX_sh()
    {
        var scripts = new[]
        {
            Deploy("registration", "register.sh"), Deploy("haproxy", "haproxy-start.sh"), Deploy("redis", "redis-start.sh"),
            Deploy("redis", "redis-exporter-start.sh"), Deploy("postgres", "postgres-exporter-start.sh"),
        };
        foreach (var script in scripts)
        {
            var result = await Cli.RunAsync("dash", ["-n", script]);
            Assert.True(result.ExitCode == 0, $"{script}: {result.Output}");
        }
    }

    [Fact]
    public void Every_dashboard_is_valid_JSON_that_uses_only_the_provisioned_datasource()
    {
        var datasources = Yaml(Deploy("grafana", "provisioning", "datasources", "prometheus.yml")).Seq("datasources").Cast<YamlMappingNode>().ToList();
        var uid = Assert.Single(datasources).Str("uid");
        Assert.Equal("prometheus", uid);

        var dashboards = Directory.GetFiles(Deploy("grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["control-plane.json", "nginx.json", "postgresql.json", "pretix.json", "redis.json", "snmp-hosts.json"],
            dashboards.Select(Path.GetFileName));
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in dashboards)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Assert.True(uids.Add(json.RootElement.GetProperty("uid").GetString()!), $"{file}: a second dashboard with this uid");
            Assert.NotEmpty(json.RootElement.GetProperty("panels").EnumerateArray());
            var references = DatasourceReferences(json.RootElement).ToList();
            Assert.NotEmpty(references);
            Assert.All(references, reference => Assert.True(reference == uid, $"{Path.GetFileName(file)} refers to datasource '{reference}'"));
        }
    }

    [Fact]
    public void Grafana_sends_its_alerts_to_AlertIngest_signed_with_the_HMAC_secret()
    {
        var contactPoint = Yaml(Deploy("grafana", "provisioning", "alerting", "contact-points.yml"))
            .Seq("contactPoints").Cast<YamlMappingNode>().Single();
        var settings = ((YamlMappingNode)contactPoint.Seq("receivers").Single()).Map("settings");

        Assert.Equal("https://alert-ingest:5104/v1/alerts/grafana", settings.Str("url"));
        Assert.Equal("$__file{/run/secrets/pretixops_tls_ca}", settings.Map("tlsConfig").Str("caCertificate"));
        Assert.Equal("Bearer", settings.Str("authorization_scheme"));
        Assert.Equal("$__file{/run/secrets/grafana_webhook_token}", settings.Str("authorization_credentials"));
        var hmac = settings.Map("hmacConfig");
        Assert.Equal("$__file{/run/secrets/grafana_webhook_hmac}", hmac.Str("secret"));
        Assert.Equal("X-Grafana-Alerting-Timestamp", hmac.Str("timestampHeader"));
    }

    [Theory]
    [InlineData("prometheus", "rules", "scaling.yml")]
    [InlineData("grafana", "provisioning", "alerting", "rules.yml")]
    public void Every_scaling_alarm_is_matched_by_the_Scalers_shipped_policy_for_the_service_it_names(params string[] path)
    {
        var alarms = ScalingAlarms(Yaml(Deploy(path))).ToList();
        Assert.Equal(
            ["HAPROXY-Proxy Average Response Time of Redis alert", "NGINX-Pretix Response Time alert", "PRETIX-Number of Events alert[test]",
             "PRETIX-Order POST Time Distribution alert", "REDIS-# Connected Clients alert"],
            alarms.Select(a => a.Name).Order(StringComparer.Ordinal));

        using var policy = JsonDocument.Parse(File.ReadAllText(Deploy("scaler", "policy.json")));
        var rules = policy.RootElement.GetProperty("Scaler").GetProperty("Rules").EnumerateArray().ToList();
        foreach (var (name, labels) in alarms)
        {
            // The Scaler takes the first rule that matches: by alert name, or by every label it lists.
            var first = rules.First(rule =>
                (!rule.TryGetProperty("Alertname", out var alertname) || alertname.GetString() == name)
                && (!rule.TryGetProperty("Labels", out var wanted)
                    || wanted.EnumerateObject().All(l => labels.TryGetValue(l.Name, out var v) && v == l.Value.GetString())));
            Assert.Equal(labels["service"], first.GetProperty("Service").GetString());
            Assert.Equal("Up", first.GetProperty("Direction").GetString());
            Assert.Equal("up", labels["scale_action"]);
        }
    }

    private static IEnumerable<(string Name, Dictionary<string, string> Labels)> ScalingAlarms(YamlMappingNode root)
    {
        foreach (var group in root.Seq("groups").Cast<YamlMappingNode>())
        {
            foreach (var rule in group.Seq("rules").Cast<YamlMappingNode>())
            {
                // Prometheus names an alert `alert`; Grafana's provisioning names it `title`.
                var name = rule.Children.ContainsKey("alert") ? rule.Str("alert") : rule.Str("title");
                var labels = rule.Map("labels").Children.ToDictionary(
                    l => ((YamlScalarNode)l.Key).Value!, l => ((YamlScalarNode)l.Value).Value!, StringComparer.Ordinal);
                yield return (name, labels);
            }
        }
    }

    /// <summary>Every datasource uid a dashboard names, in panels, targets and template variables alike.</summary>
    private static IEnumerable<string?> DatasourceReferences(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "datasource")
                    {
                        yield return property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("uid", out var uid)
                            ? uid.GetString()
                            : property.Value.ToString();
                    }
                    foreach (var inner in DatasourceReferences(property.Value))
                    {
                        yield return inner;
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in DatasourceReferences(item))
                    {
                        yield return inner;
                    }
                }
                break;
        }
    }

    private static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}

internal static class YamlNodes
{
    public static YamlMappingNode Map(this YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) => (YamlSequenceNode)node[key];

    public static string Str(this YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
