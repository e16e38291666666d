using System.Net.Http.Json;
using System.Text.Json;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>The Scaler against the real swarm: alerts published on the real bus, replica counts read back from Docker.</summary>
public sealed class ScalerTests : IAsyncLifetime
{
    private ScalerHarness _harness = null!;

    private string Web => _harness.Service;

    public async Task InitializeAsync() => _harness = await ScalerHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_firing_alert_steps_a_real_service_once_per_cooldown_to_its_max_repeats_change_nothing_and_its_resolution_steps_it_back()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(max: 4, cooldownUp: "00:00:03", window: "00:00:04"));
        var alert = _harness.Fired("episode-1");

        await _harness.PublishAsync(alert);
        for (var i = 0; i < 20; i++)
        {
            // Alertmanager re-sends a firing alert every repeat_interval: the same id, nothing new.
            await _harness.PublishAsync(alert);
        }

        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        Assert.Equal(4, await _harness.ReplicasWhenAsync(4));
        var atMax = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.AtMaximum));
        Assert.Equal([(2, 3), (3, 4)], ScalerHarness.Steps(atMax));
        Assert.DoesNotContain(atMax, d => d.Outcome == ScaleOutcome.Duplicate);

        await _harness.PublishAsync(ScalerHarness.Resolved(alert));
        Assert.Equal(2, await _harness.ReplicasWhenAsync(2));
        var all = await ScalerHarness.DecisionsWhenAsync(scaler, d => ScalerHarness.Steps(d).Count == 4);
        Assert.Equal([(2, 3), (3, 4), (4, 3), (3, 2)], ScalerHarness.Steps(all));
        Assert.Contains(all, d => d is { Outcome: ScaleOutcome.Cooldown, Code: "stabilization-alert" });
    }

    [Fact]
    public async Task Ten_concurrent_alerts_for_one_service_never_lose_an_update_nor_pass_the_maximum()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(max: 5, cooldownUp: "00:00:00"));

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => _harness.PublishAsync(_harness.Fired($"storm-{i}"))));

        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.AtMaximum));
        Assert.Equal([(2, 3), (3, 4), (4, 5)], ScalerHarness.Steps(decisions));
        Assert.Equal(5, await _harness.ReplicasAsync());
    }

    [Fact]
    public async Task An_alert_or_a_request_naming_an_unlisted_service_changes_nothing()
    {
        var other = $"itestother{Guid.NewGuid():N}"[..18];
        await _harness.CreateServiceAsync(other, 1);
        var scaler = await _harness.StartScalerAsync(_harness.Policy());

        await _harness.PublishAsync(_harness.Fired("elsewhere", service: other));
        await _harness.PublishAsync(new ScaleService(other, Replicas: 3, Delta: null, "trying", "mallory"));

        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d =>
            d.Any(x => x.Outcome == ScaleOutcome.NoMatchingRule && x.Trigger.Contains("elsewhere", StringComparison.Ordinal))
            && d.Any(x => x.Outcome == ScaleOutcome.NotAllowed && x.Service == other));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.NotAllowed && x.Service == other);
        Assert.Equal(1, await _harness.ReplicasAsync(other));
        Assert.Equal(2, await _harness.ReplicasAsync());
    }

    [Fact]
    public async Task Over_tcp_with_tls_client_certificates_an_alert_scales_the_service()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(extra: new Dictionary<string, string?>
        {
            ["Scaler__DockerHost"] = Infrastructure.DockerTlsHost,
            ["Scaler__TlsCaFile"] = Path.Combine(Infrastructure.DockerTlsDir, "ca.pem"),
            ["Scaler__TlsCertFile"] = Path.Combine(Infrastructure.DockerTlsDir, "client-cert.pem"),
            ["Scaler__TlsKeyFile"] = Path.Combine(Infrastructure.DockerTlsDir, "client-key.pem"),
        }));

        await _harness.PublishAsync(_harness.Fired("over-tls"));

        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.Applied && x.Trigger.Contains("over-tls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dockerd_stopped_for_two_minutes_while_an_alert_fires_makes_the_decision_wait_without_a_dead_letter_and_it_is_applied_once_after()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(max: 3, cooldownUp: "00:10:00"));
        using var management = Infrastructure.Management();
        await PurgeAsync(management, "scaler_error");
        await _harness.ObservedAsync(scaler, 2);
        IReadOnlyList<RecordedDecision> waiting;
        try
        {
            await Infrastructure.InfraAsync("stop", "docker");
            var stopped = DateTimeOffset.UtcNow;
            await _harness.PublishAsync(_harness.Fired("while-docker-is-down"));

            waiting = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Waiting));
            await Task.Delay(TimeSpan.FromMinutes(2) - (DateTimeOffset.UtcNow - stopped));
            // Still only waiting, and the alert was taken in: nothing in the error queue, nothing unacknowledged.
            Assert.Equal(0, await Opsctl.DepthAsync(QueueNames.Scaler + "_error"));
            Assert.Equal(0, await Opsctl.DepthAsync(QueueNames.Scaler));
            var status = await _harness.StatusAsync(scaler);
            Assert.False(status.Docker.Up, JsonSerializer.Serialize(status));
            using var ready = await scaler.Http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
            Assert.Contains("\"docker\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains("pretixops_scaler_docker_up 0", await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)), StringComparison.Ordinal);
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "docker");
        }

        var wait = Assert.Single(waiting, x => x.Outcome == ScaleOutcome.Waiting);
        Assert.Equal((2, 3), (wait.From, wait.To));
        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.Equal([(2, 3)], ScalerHarness.Steps(decisions));
        var again = Assert.Single(decisions, x => x.Outcome == ScaleOutcome.Waiting);
        Assert.True(again.Repeats > 10, $"a two-minute wait is retried with backoff, counted: {again.Repeats}");
        Assert.Equal(0, await Opsctl.DepthAsync(QueueNames.Scaler + "_error"));
    }

    [Fact]
    public async Task A_malformed_alert_goes_to_the_error_queue_at_once_naming_what_it_lacks_and_the_next_alert_still_scales()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(cooldownUp: "00:10:00"));
        using var management = Infrastructure.Management();
        await PurgeAsync(management, "scaler_error");

        await _harness.PublishAsync(_harness.Fired("malformed") with { Labels = null! });
        await _harness.PublishAsync(_harness.Fired("well-formed"));

        Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
        var dead = await Eventually.ValueAsync(async () =>
        {
            using var got = await management.PostAsJsonAsync(new Uri("queues/%2F/scaler_error/get", UriKind.Relative),
                new { count = 10, ackmode = "ack_requeue_true", encoding = "auto" });
            // MassTransit declares the error queue with the first fault it moves there: until then, it is not there.
            if (got.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return JsonDocument.Parse("[]").RootElement.Clone();
            }

            got.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await got.Content.ReadAsStringAsync()).RootElement.Clone();
        }, messages => messages.GetArrayLength() > 0);
        var headers = Assert.Single(dead.EnumerateArray()).GetProperty("properties").GetProperty("headers");
        Assert.Equal("Invalid AlertFired: Labels is missing.", headers.GetProperty("MT-Fault-Message").GetString());
        // Refused for good: no retries (MassTransit counts them in this header when there were any).
        Assert.False(headers.TryGetProperty("MT-Fault-RetryCount", out var retries) && retries.GetInt32() > 0, headers.ToString());
        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.DoesNotContain(decisions, x => x.Trigger.Contains("malformed", StringComparison.Ordinal));
        await PurgeAsync(management, "scaler_error");
    }

    [Fact]
    public async Task Opsctl_scale_goes_through_the_policy_names_the_credential_and_prints_the_recorded_decision()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(max: 3, cooldownUp: "00:00:01"));
        var state = Directory.CreateTempSubdirectory("opsctl-state-").FullName;
        try
        {
            var env = Opsctl.Environment(state);
            env["OPSCTL_SCALER"] = scaler.BaseAddress.ToString();
            env["OPSCTL_TOKEN"] = ServiceProcess.OperatorToken;

            var refused = await Opsctl.RunAsync(env, "scale", Web, "10", "--reason", "load test tonight", "--json");
            Assert.True(refused.ExitCode == 1 && refused.Output.Contains("AtMaximum", StringComparison.Ordinal), $"{refused.Output}\n{scaler}");
            using (var recorded = JsonDocument.Parse(refused.Output))
            {
                Assert.Equal("10 replicas requested; the policy's max is 3.", recorded.RootElement.GetProperty("reason").GetString());
                Assert.Equal($"operator:{ServiceProcess.OperatorName}", recorded.RootElement.GetProperty("trigger").GetString());
            }
            Assert.Equal(2, await _harness.ReplicasAsync());

            using var follow = Opsctl.Start(env, "decisions", "--service", Web, "--follow", "--json");
            await Eventually.ValueAsync(() => Task.FromResult(Opsctl.Printed(follow).Count), n => n >= 1);
            var applied = await Opsctl.RunAsync(env, "scale", Web, "+1", "--reason", "one more for the sale", "--json");
            Assert.True(applied.ExitCode == 0, applied.Output);
            using var decision = JsonDocument.Parse(applied.Output);
            Assert.Equal("Applied", decision.RootElement.GetProperty("outcome").GetString());
            Assert.Equal(3, decision.RootElement.GetProperty("to").GetInt32());
            Assert.Equal(3, await _harness.ReplicasAsync());

            // --follow printed the refused decision at start, then the applied one as it was recorded.
            var followed = await Eventually.ValueAsync(() => Task.FromResult(Opsctl.Printed(follow)),
                lines => lines.Any(l => l.Contains("\"outcome\":\"Applied\"", StringComparison.Ordinal)));
            Assert.Contains(followed, l => l.Contains("\"outcome\":\"AtMaximum\"", StringComparison.Ordinal));
            follow.Kill();

            // The shared token reads, but does not operate: a change needs a name.
            env["OPSCTL_TOKEN"] = ServiceProcess.Token;
            var anonymous = await Opsctl.RunAsync(env, "scale", Web, "-1", "--reason", "who am I");
            Assert.True(anonymous.ExitCode == 1 && anonymous.Output.Contains("operate", StringComparison.Ordinal), anonymous.Output);
            Assert.Equal(3, await _harness.ReplicasAsync());
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task A_concurrent_docker_service_update_label_add_loop_provokes_out_of_sequence_and_no_update_is_lost()
    {
        var scaler = await _harness.StartScalerAsync(_harness.Policy(max: 8));
        using var client = new HttpClient { BaseAddress = scaler.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServiceProcess.OperatorToken);

        // An operator's tool adds labels with the docker CLI while the Scaler changes the count: both inspect, then
        // update naming the version they read, so one of two interleaved updates is refused "out of sequence".
        var labelled = new List<string>();
        using var stop = new CancellationTokenSource();
        var labels = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 400; i++)
            {
                var result = await Cli.RunAsync("docker", ["-H", Infrastructure.DockerHost, "service", "update", "--detach", "--label-add", $"itest.label{i}={i}", Web]);
                if (result.ExitCode == 0)
                {
                    lock (labelled)
                    {
                        labelled.Add($"itest.label{i}");
                    }
                }
            }
        });
        var expected = 2;
        for (var i = 0; i < 200 && (i < 12 || await ConflictsAsync(scaler) == 0); i++)
        {
            var delta = i % 2 == 0 ? 1 : -1;
            using var response = await client.PostAsJsonAsync(new Uri($"/v1/services/{Web}/scale", UriKind.Relative),
                new { reason = "race", delta });
            var decision = await response.Content.ReadFromJsonAsync<RecordedDecision>();
            Assert.True(decision is { Outcome: ScaleOutcome.Applied }, await response.Content.ReadAsStringAsync());
            expected = decision.To;
        }

        await stop.CancelAsync();
        await labels;

        Assert.True(await ConflictsAsync(scaler) > 0, "no update out of sequence happened: the race was not provoked");
        Assert.Equal(expected, await _harness.ReplicasAsync());
        var spec = await _harness.Docker.Swarm.InspectServiceAsync(Web);
        Assert.NotEmpty(labelled);
        Assert.All(labelled, label => Assert.True(spec.Spec.Labels.ContainsKey(label), $"{label} was added by the CLI and lost"));
    }

    [Fact]
    public async Task A_saved_policy_file_takes_effect_and_a_bad_or_half_written_one_is_refused_naming_the_field_while_the_old_one_stays()
    {
        var folder = Directory.CreateTempSubdirectory("pretixops-policy-").FullName;
        try
        {
            var file = Path.Combine(folder, "policy.json");
            await WritePolicyAsync(file, max: 3);
            var scaler = await _harness.StartScalerAsync(new Dictionary<string, string?>
            {
                ["Scaler__Journal__Stream"] = _harness.Journal,
                ["Scaler__ReconcileInterval"] = "00:00:01",
                ["ConfigFile"] = file,
            });
            await _harness.PublishAsync(_harness.Fired("reload"));
            Assert.Equal(3, await _harness.ReplicasWhenAsync(3));
            await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.AtMaximum));

            await WritePolicyAsync(file, max: 1);
            var refused = await Eventually.ValueAsync(() => scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
                m => m.Contains($"pretixops_scaler_policy_refused{{field=\"Scaler:Services:{Web}:Max\"}} 1", StringComparison.Ordinal));
            Assert.Contains($"pretixops_scaler_policy_refused{{field=\"Scaler:Services:{Web}:Max\"}} 1", refused, StringComparison.Ordinal);
            await File.WriteAllTextAsync(file, "{ \"Scaler\": { \"Services\": ");
            await Eventually.ValueAsync(() => scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
                m => m.Contains("pretixops_scaler_policy_refused{field=\"ConfigFile\"} 1", StringComparison.Ordinal));
            Assert.Contains(scaler.Output, l => l.Contains("Scaler policy reload refused", StringComparison.Ordinal));
            Assert.Equal(3, await _harness.ReplicasAsync());
            Assert.False(scaler.HasExited);

            await WritePolicyAsync(file, max: 5);
            Assert.Equal(5, await _harness.ReplicasWhenAsync(5));
            Assert.DoesNotContain("pretixops_scaler_policy_refused{", await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private Task WritePolicyAsync(string file, int max) => File.WriteAllTextAsync(file, $$"""
        { "Scaler": {
            "Services": { "{{Web}}": { "Min": 2, "Max": {{max}}, "CooldownUp": "00:00:00", "StabilizationWindow": "00:10:00" } },
            "Rules": [ { "Name": "web-labelled", "Labels": { "service": "{{Web}}", "scale_action": "up" }, "Service": "{{Web}}" } ] } }
        """);

    private static async Task<double> ConflictsAsync(ServiceProcess scaler)
    {
        var line = (await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Split('\n').FirstOrDefault(l => l.StartsWith("pretixops_scaler_update_conflicts_total ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task PurgeAsync(HttpClient management, string queue)
    {
        using var purged = await management.DeleteAsync(new Uri($"queues/%2F/{queue}/contents", UriKind.Relative));
    }
}
