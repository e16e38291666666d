using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>The Scaler against the real swarm: alerts published on the real bus, replica counts read back from Docker.</summary>
public sealed class ScalerTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();
    private readonly string _web = $"itestweb{Guid.NewGuid():N}"[..16];
    private readonly string _other = $"itestother{Guid.NewGuid():N}"[..18];
    private IHost _bus = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        await CreateServiceAsync(_web, 2);
        await CreateServiceAsync(_other, 1);
        _bus = TestBus.Build("itest-scaler-client", configure: null);
        await _bus.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        _bus.Dispose();
        foreach (var service in new[] { _web, _other })
        {
            await _docker.Swarm.RemoveServiceAsync(service);
        }

        _docker.Dispose();
    }

    [Fact]
    public async Task Alerts_scale_a_real_service_one_step_per_episode_within_bounds_and_back_down_after_stabilization()
    {
        await using var scaler = await StartScalerAsync(max: 4, cooldownUp: "00:00:03");

        var first = Fired("episode-1");
        await PublishAsync(first);
        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));

        // Alertmanager re-sends a firing alert every repeat_interval: same id, one decision.
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync(first);
        }

        var duplicates = await DecisionsWhenAsync(scaler, d => d.Count(x => x.Outcome == ScaleOutcome.Duplicate) == 20);
        Assert.Equal(20, duplicates.Count(x => x.Outcome == ScaleOutcome.Duplicate));
        Assert.Equal(3, await ReplicasAsync(_web));

        // A new episode inside the cooldown waits; after it, one more step.
        await PublishAsync(Fired("episode-2"));
        var cooled = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Cooldown));
        Assert.Contains(cooled, x => x.Outcome == ScaleOutcome.Cooldown && x.Trigger.Contains("episode-2", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var third = Fired("episode-3");
        await PublishAsync(third);
        Assert.Equal(4, await ReplicasWhenAsync(_web, 4));

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await PublishAsync(Fired("episode-4"));
        var atMax = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.AtMaximum));
        Assert.Contains(atMax, x => x.Outcome == ScaleOutcome.AtMaximum && x.From == 4);
        Assert.Equal(4, await ReplicasAsync(_web));

        // Resolution scales down one step, once no reason to scale up was seen for the window.
        await PublishAsync(Resolved(third));
        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
        // The replica count changes before the decision that changed it is recorded: wait for the record.
        var all = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied && x.From == 4 && x.To == 3));
        Assert.Contains(all, x => x.Outcome == ScaleOutcome.Cooldown && x.Reason.StartsWith("stabilization", StringComparison.Ordinal));
        Assert.Contains(all, x => x.Outcome == ScaleOutcome.Applied && x.From == 4 && x.To == 3);
        Assert.Equal(3, all.Count(x => x.Outcome == ScaleOutcome.Applied));
    }

    [Fact]
    public async Task Ten_concurrent_alerts_for_one_service_never_lose_an_update_nor_pass_the_maximum()
    {
        await using var scaler = await StartScalerAsync(max: 5, cooldownUp: "00:00:00");

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => PublishAsync(Fired($"storm-{i}"))));

        var decisions = await DecisionsWhenAsync(scaler, d => d.Count(x => x.Service == _web) >= 10);
        var applied = decisions.Where(x => x.Outcome == ScaleOutcome.Applied).OrderBy(x => x.At).ToList();
        Assert.Equal(3, applied.Count);
        Assert.Equal([(2, 3), (3, 4), (4, 5)], applied.Select(x => (x.From, x.To)));
        Assert.Equal(7, decisions.Count(x => x.Outcome == ScaleOutcome.AtMaximum));
        Assert.Equal(5, await ReplicasAsync(_web));
    }

    [Fact]
    public async Task An_alert_or_a_request_naming_an_unlisted_service_changes_nothing()
    {
        await using var scaler = await StartScalerAsync(max: 4, cooldownUp: "00:00:00");

        await PublishAsync(Fired("elsewhere", service: _other));
        await PublishAsync(new ScaleService(_other, Replicas: 3, Delta: null, "trying", "mallory"));

        var decisions = await DecisionsWhenAsync(scaler, d =>
            d.Any(x => x.Outcome == ScaleOutcome.NoMatchingRule && x.Trigger.Contains("elsewhere", StringComparison.Ordinal))
            && d.Any(x => x.Outcome == ScaleOutcome.NotAllowed && x.Service == _other));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.NoMatchingRule && x.Trigger.Contains("elsewhere", StringComparison.Ordinal));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.NotAllowed && x.Service == _other);
        Assert.Equal(1, await ReplicasAsync(_other));
        Assert.Equal(2, await ReplicasAsync(_web));
    }

    [Fact]
    public async Task Over_tcp_with_tls_client_certificates_an_alert_scales_the_service()
    {
        await using var scaler = await StartScalerAsync(max: 4, cooldownUp: "00:00:00", extra: new Dictionary<string, string?>
        {
            ["Scaler__DockerHost"] = Infrastructure.DockerTlsHost,
            ["Scaler__TlsCaFile"] = Path.Combine(Infrastructure.DockerTlsDir, "ca.pem"),
            ["Scaler__TlsCertFile"] = Path.Combine(Infrastructure.DockerTlsDir, "client-cert.pem"),
            ["Scaler__TlsKeyFile"] = Path.Combine(Infrastructure.DockerTlsDir, "client-key.pem"),
        });

        await PublishAsync(Fired("over-tls"));

        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
        var decisions = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.Applied && x.Trigger.Contains("over-tls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cooldown_survives_a_kill_9_of_the_scaler()
    {
        var state = Directory.CreateTempSubdirectory("pretixops-scaler-state-").FullName;
        try
        {
            await using (var scaler = await StartScalerAsync(max: 5, cooldownUp: "00:10:00", state))
            {
                await PublishAsync(Fired("before-crash"));
                Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
                await scaler.KillAsync();
            }

            await using var restarted = await StartScalerAsync(max: 5, cooldownUp: "00:10:00", state);
            await PublishAsync(Fired("after-crash"));

            var decisions = await DecisionsWhenAsync(restarted, d => d.Any(x => x.Trigger.Contains("after-crash", StringComparison.Ordinal)));
            Assert.Equal(ScaleOutcome.Cooldown, decisions.First(x => x.Trigger.Contains("after-crash", StringComparison.Ordinal)).Outcome);
            Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.Applied && x.Trigger.Contains("before-crash", StringComparison.Ordinal));
            Assert.Equal(3, await ReplicasAsync(_web));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task With_docker_down_the_alert_fails_into_the_error_queue_and_a_replay_applies_it_once()
    {
        await using var scaler = await StartScalerAsync(max: 5, cooldownUp: "00:00:00");
        using var management = Infrastructure.Management();
        await PurgeAsync(management, "scaler_error");
        try
        {
            await Infrastructure.InfraAsync("stop", "docker");
            await PublishAsync(Fired("while-docker-is-down"));

            var failed = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Failed));
            Assert.Contains(failed, x => x.Outcome == ScaleOutcome.Failed && x.Trigger.Contains("while-docker-is-down", StringComparison.Ordinal));
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "docker");
        }

        // What an operator's replay does: the dead letter goes back to the queue it failed on.
        var moved = await MoveAsync(management, from: "scaler_error", to: "scaler");
        Assert.Equal(1, moved);

        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
        var decisions = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.Single(decisions, x => x.Outcome == ScaleOutcome.Applied);
        Assert.Equal(3, await ReplicasAsync(_web));
    }

    [Fact]
    public async Task A_malformed_alert_goes_to_the_error_queue_at_once_naming_what_it_lacks_and_the_next_alert_still_scales()
    {
        await using var scaler = await StartScalerAsync(max: 5, cooldownUp: "00:00:00");
        using var management = Infrastructure.Management();
        await PurgeAsync(management, "scaler_error");

        await PublishAsync(Fired("malformed") with { Labels = null! });
        await PublishAsync(Fired("well-formed"));

        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
        var dead = await Eventually.ValueAsync(async () =>
        {
            using var got = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(management,
                new Uri("queues/%2F/scaler_error/get", UriKind.Relative), new { count = 10, ackmode = "ack_requeue_true", encoding = "auto" });
            got.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await got.Content.ReadAsStringAsync()).RootElement.Clone();
        }, messages => messages.GetArrayLength() > 0);
        var headers = Assert.Single(dead.EnumerateArray()).GetProperty("properties").GetProperty("headers");
        Assert.Equal("Invalid AlertFired: Labels is missing.", headers.GetProperty("MT-Fault-Message").GetString());
        // Refused for good: no retries (MassTransit counts them in this header when there were any).
        Assert.False(headers.TryGetProperty("MT-Fault-RetryCount", out var retries) && retries.GetInt32() > 0, headers.ToString());
        // It never became a request: the record holds the well-formed alert's step and nothing for the malformed one.
        var decisions = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.DoesNotContain(decisions, x => x.Trigger.Contains("malformed", StringComparison.Ordinal));
        Assert.Equal(3, await ReplicasAsync(_web));
        await PurgeAsync(management, "scaler_error");
    }

    [Fact]
    public async Task A_standby_scaler_knows_the_active_ones_decisions_and_holds_its_cooldown_after_a_kill_9()
    {
        await using var first = await StartScalerAsync(max: 5, cooldownUp: "00:10:00");
        await using var second = await StartScalerAsync(max: 5, cooldownUp: "00:10:00");

        await PublishAsync(Fired("on-the-active"));
        Assert.Equal(3, await ReplicasWhenAsync(_web, 3));
        foreach (var scaler in new[] { first, second })
        {
            var shared = await DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
            Assert.Single(shared, x => x.Outcome == ScaleOutcome.Applied && x.Trigger.Contains("on-the-active", StringComparison.Ordinal));
        }

        var active = (await first.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Contains($"pretixops_scaler_decisions_total{{service=\"{_web}\",outcome=\"Applied\"}} 1", StringComparison.Ordinal) ? first : second;
        var standby = active == first ? second : first;
        await active.KillAsync();

        await PublishAsync(Fired("after-failover"));
        var decisions = await DecisionsWhenAsync(standby, d => d.Any(x => x.Trigger.Contains("after-failover", StringComparison.Ordinal)));
        Assert.Equal(ScaleOutcome.Cooldown, decisions.First(x => x.Trigger.Contains("after-failover", StringComparison.Ordinal)).Outcome);
        Assert.Equal(3, await ReplicasAsync(_web));
    }

    private static async Task PurgeAsync(HttpClient management, string queue)
    {
        using var purged = await management.DeleteAsync(new Uri($"queues/%2F/{queue}/contents", UriKind.Relative));
    }

    /// <summary>Moves every message of one queue to another through the default exchange, body and properties as they were.</summary>
    private static async Task<int> MoveAsync(HttpClient management, string from, string to)
    {
        using var got = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(management,
            new Uri($"queues/%2F/{from}/get", UriKind.Relative), new { count = 100, ackmode = "ack_requeue_false", encoding = "base64" });
        got.EnsureSuccessStatusCode();
        using var messages = JsonDocument.Parse(await got.Content.ReadAsStringAsync());
        var moved = 0;
        foreach (var message in messages.RootElement.EnumerateArray())
        {
            var properties = JsonSerializer.Deserialize<Dictionary<string, object>>(message.GetProperty("properties").GetRawText())!;
            using var published = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(management,
                new Uri("exchanges/%2F/amq.default/publish", UriKind.Relative), new
                {
                    properties,
                    routing_key = to,
                    payload = message.GetProperty("payload").GetString(),
                    payload_encoding = "base64",
                });
            published.EnsureSuccessStatusCode();
            moved++;
        }

        return moved;
    }

    [Fact]
    public async Task Opsctl_scale_goes_through_the_policy_and_prints_the_recorded_decision()
    {
        await using var scaler = await StartScalerAsync(max: 3, cooldownUp: "00:00:01");
        var state = Directory.CreateTempSubdirectory("opsctl-state-").FullName;
        try
        {
            var env = Opsctl.Environment(state);
            env["OPSCTL_SCALER"] = scaler.BaseAddress.ToString();
            env["OPSCTL_TOKEN"] = ServiceProcess.Token;

            var refused = await Opsctl.RunAsync(env, "scale", _web, "10", "--reason", "load test tonight", "--requested-by", "alice", "--json");
            Assert.True(refused.ExitCode == 1 && refused.Output.Contains("AtMaximum", StringComparison.Ordinal), $"{refused.Output}\n{scaler}");
            using (var recorded = JsonDocument.Parse(refused.Output))
            {
                Assert.Equal("10 replicas requested; the policy's max is 3.", recorded.RootElement.GetProperty("reason").GetString());
                Assert.Equal("operator:alice", recorded.RootElement.GetProperty("trigger").GetString());
            }
            Assert.Equal(2, await ReplicasAsync(_web));

            using var follow = Opsctl.Start(env, "decisions", "--service", _web, "--follow", "--json");
            await Eventually.ValueAsync(() => Task.FromResult(Opsctl.Printed(follow).Count), n => n >= 1);
            var applied = await Opsctl.RunAsync(env, "scale", _web, "+1", "--reason", "one more for the sale", "--json");
            Assert.True(applied.ExitCode == 0, applied.Output);
            using var decision = JsonDocument.Parse(applied.Output);
            Assert.Equal("Applied", decision.RootElement.GetProperty("outcome").GetString());
            Assert.Equal(3, decision.RootElement.GetProperty("to").GetInt32());
            Assert.Equal(3, await ReplicasAsync(_web));

            // --follow printed the refused decision at start, then the applied one as it was recorded.
            var followed = await Eventually.ValueAsync(() => Task.FromResult(Opsctl.Printed(follow)),
                lines => lines.Any(l => l.Contains("\"outcome\":\"Applied\"", StringComparison.Ordinal)));
            Assert.Contains(followed, l => l.Contains("\"outcome\":\"AtMaximum\"", StringComparison.Ordinal));
            Assert.Contains(followed, l => l.Contains("\"outcome\":\"Applied\"", StringComparison.Ordinal));
            follow.Kill();

            var record = await Opsctl.RunAsync(env, "decisions", "--service", _web, "--json");
            Assert.True(record.ExitCode == 0, record.Output);
            Assert.Equal(2, record.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private async Task<ServiceProcess> StartScalerAsync(
        int max, string cooldownUp, string? stateDirectory = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Scaler__Services__{_web}__Min"] = "2",
            [$"Scaler__Services__{_web}__Max"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"Scaler__Services__{_web}__CooldownUp"] = cooldownUp,
            [$"Scaler__Services__{_web}__CooldownDown"] = "00:00:01",
            [$"Scaler__Services__{_web}__StabilizationWindow"] = "00:00:04",
            ["Scaler__Rules__0__Name"] = "web-labelled",
            ["Scaler__Rules__0__Labels__service"] = _web,
            ["Scaler__Rules__0__Labels__scale_action"] = "up",
            ["Scaler__Rules__0__Service"] = _web,
        };
        if (stateDirectory is not null)
        {
            settings["Scaler__StateDirectory"] = stateDirectory;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var scaler = ServiceProcess.Start("Scaler", settings);
        Assert.True(HttpStatusCode.OK == await scaler.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), scaler.ToString());
        return scaler;
    }

    private AlertFired Fired(string episode, string? service = null) => new(
        $"alertmanager:{_web}-{episode}:2026-11-26T10:00:00.000Z", AlertSource.Alertmanager, "PretixWebHighLatency", $"{_web}-{episode}",
        new Dictionary<string, string> { ["alertname"] = "PretixWebHighLatency", ["service"] = service ?? _web, ["scale_action"] = "up" },
        new Dictionary<string, string>(), DateTimeOffset.UtcNow.AddMinutes(-1), null, null, DateTimeOffset.UtcNow);

    private static AlertResolved Resolved(AlertFired fired) => new(
        fired.AlertId, fired.Source, fired.Name, fired.Fingerprint, fired.Labels, fired.Annotations, fired.StartsAt,
        DateTimeOffset.UtcNow, null, DateTimeOffset.UtcNow);

    private Task PublishAsync<T>(T message)
        where T : class => _bus.Services.GetRequiredService<IBus>().Publish(message);

    private async Task CreateServiceAsync(string name, ulong replicas) =>
        await _docker.Swarm.CreateServiceAsync(new ServiceCreateParameters
        {
            Service = new ServiceSpec
            {
                Name = name,
                Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = replicas } },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = new ContainerSpec { Image = Infrastructure.BusyboxImage, Command = ["sleep", "3600"] },
                    Networks = [new NetworkAttachmentConfig { Target = "host" }],
                },
            },
        });

    private async Task<int> ReplicasAsync(string service) =>
        (int)(await _docker.Swarm.InspectServiceAsync(service)).Spec.Mode.Replicated.Replicas!;

    private Task<int> ReplicasWhenAsync(string service, int wanted) =>
        Eventually.ValueAsync(() => ReplicasAsync(service), n => n == wanted);

    private static async Task<IReadOnlyList<ScaleDecisionRecorded>> DecisionsAsync(ServiceProcess scaler)
    {
        var json = await scaler.Http.GetStringAsync(new Uri("/v1/decisions", UriKind.Relative));
        return JsonSerializer.Deserialize<List<ScaleDecisionRecorded>>(json, Json) ?? [];
    }

    private static Task<IReadOnlyList<ScaleDecisionRecorded>> DecisionsWhenAsync(ServiceProcess scaler, Func<IReadOnlyList<ScaleDecisionRecorded>, bool> done) =>
        Eventually.ValueAsync(() => DecisionsAsync(scaler), done);
}
