using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The system the report describes, end to end, with every part real (see <see cref="Loop"/>): a workload registers,
/// Prometheus scrapes it, a rule fires, Alertmanager posts to AlertIngest, the Scaler scales the swarm service, the new
/// tasks register; and under faults, nothing is lost and no step is taken twice.
/// </summary>
public sealed class LoopTests
{
    private static readonly string[] Services = ["Scaler", "Registration", "DiscoveryWriter", "AlertIngest", "SnmpPoller"];

    [Fact]
    public async Task A_slow_service_is_scaled_up_by_the_whole_loop_and_back_down_once_it_recovers()
    {
        await using var loop = await Loop.StartAsync();
        Assert.Equal(2, await loop.TargetsWhenAsync(2));

        await loop.SetResponseTimeAsync(30);

        var decisions = await loop.DecisionsWhenAsync(d => Loop.Applied(d).Count == 1);
        var up = Loop.Applied(decisions)[0];
        Assert.Equal((2, 3), (up.From, up.To));
        // The chain on record: the alert Alertmanager holds, AlertIngest's id for its episode, the decision it triggered.
        Assert.Equal(await loop.AlertIdAsync(), up.Trigger);
        Assert.Equal(3UL, await loop.ReplicasWhenAsync(3));
        Assert.Equal(3, await loop.TargetsWhenAsync(3));
        var three = await loop.TargetIdsAsync();
        Assert.Equal([$"{loop.Service}.1", $"{loop.Service}.2", $"{loop.Service}.3"], three);

        // One alert is one trace, from the webhook to the Docker update: AlertIngest's line for the alert it published and
        // the Scaler's line for the step it took carry the same trace id. One registration is one trace, from the
        // request to the file_sd write: the new task's registration in Registration's log, the file's write in
        // DiscoveryWriter's.
        var alert = loop["AlertIngest"].LogEvents.First(e => e["AlertIds"]?.Contains($"\"{up.Trigger}\"", StringComparison.Ordinal) == true);
        Assert.Equal("1", alert["Firing"]);
        Assert.NotNull(alert.Trace);
        Assert.Contains(loop["Scaler"].LogEvents, e => e.Trace == alert.Trace && e["Service"] == loop.Service && (e["From"], e["To"]) == ("2", "3"));
        var registered = loop["Registration"].LogEvents.First(e => e["InstanceId"] == $"{loop.Service}.3");
        Assert.NotNull(registered.Trace);
        var written = await Eventually.ValueAsync(
            () => Task.FromResult(loop["DiscoveryWriter"].LogEvents.Where(e => e.Trace == registered.Trace && e["Job"] == "pretix").ToList()),
            lines => lines.Count > 0, TimeSpan.FromSeconds(30));
        Assert.NotEmpty(written);

        // SnmpPoller polls the node the tasks registered (this machine, whose snmpd is the local one).
        var node = (await loop.Docker.Swarm.ListNodesAsync()).Single().Description.Hostname;
        Assert.Equal(1, await Eventually.ValueAsync(() => loop.Prometheus.ScalarAsync($"snmp_up{{host=\"{node}\"}}"), v => v == 1, TimeSpan.FromMinutes(2)));
        Assert.True(await loop.Prometheus.ScalarAsync($"snmp_host_memory_total_bytes{{host=\"{node}\"}}") > 0);

        await loop.SetResponseTimeAsync(0.05);

        decisions = await loop.DecisionsWhenAsync(d => Loop.Applied(d).Count == 2);
        var down = Loop.Applied(decisions)[1];
        Assert.Equal((3, 2), (down.From, down.To));
        Assert.Equal(up.Trigger, down.Trigger);
        // The resolution came inside the stabilization window: recorded as waiting, then decided when the window ended.
        Assert.Contains(decisions, d => d.Outcome == ScaleOutcome.Cooldown && d.At > up.At && d.At < down.At);
        Assert.Equal(2UL, await loop.ReplicasWhenAsync(2));
        var two = await Eventually.ValueAsync(loop.TargetIdsAsync, ids => ids.Count == 2, TimeSpan.FromMinutes(2));
        Assert.Equal(2, two.Count);
        Assert.Subset(three.ToHashSet(), two.ToHashSet());
    }

    [Fact]
    public async Task RabbitMQ_restarted_mid_loop_and_mid_burst_loses_no_accepted_registration_and_the_loop_completes()
    {
        await using var loop = await Loop.StartAsync();
        var accepted = new ConcurrentBag<string>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var burst = Task.CompletedTask;

        await loop.TurnAsync(whileFiring: async () =>
        {
            // The burst runs from before the broker stops until well after it is back.
            burst = Task.Run(async () => refused = await RegisterBurstAsync(loop, accepted, stop.Token));
            await Eventually.ValueAsync(() => Task.FromResult(accepted.Count), n => n >= 50);
            await Infrastructure.InfraAsync("stop", "rabbitmq");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Infrastructure.InfraAsync("start", "rabbitmq");
            var before = accepted.Count;
            await Eventually.ValueAsync(() => Task.FromResult(accepted.Count), n => n >= before + 50, TimeSpan.FromMinutes(2));
            await stop.CancelAsync();
            await burst;
        });

        // What was answered 202 is in the file; what was refused (503) was sent again by its sender until accepted.
        Assert.True(refused > 0, "the broker's outage refused no registration: it did not happen during the burst");
        var written = await Eventually.ValueAsync(
            () => Task.FromResult(Discovery.InstanceIdsIn(Path.Combine(loop.OutputDirectory, "itest-burst.json"))),
            ids => accepted.All(ids.Contains),
            TimeSpan.FromMinutes(2));
        Assert.All(accepted, id => Assert.Contains(id, written));
        Assert.Equal(2, Loop.Applied(await loop.DecisionsAsync()).Count);
    }

    [Fact]
    public async Task Each_service_killed_mid_loop_and_restarted_loses_nothing_and_steps_once_each_way()
    {
        await using var loop = await Loop.StartAsync();
        using var stop = new CancellationTokenSource();
        var reader = Discovery.CountUnparseableReadsAsync(loop.OutputDirectory, stop.Token);

        await loop.TurnAsync(whileFiring: async () =>
        {
            // After the step up and before the new task registers: every service goes down hard, one after another.
            foreach (var project in Services)
            {
                await loop.KillAndRestartAsync(project);
            }
        });

        await stop.CancelAsync();
        Assert.Equal(0, await reader);
        var applied = Loop.Applied(await loop.DecisionsAsync());
        Assert.Equal([(2, 3), (3, 2)], applied.Select(d => (d.From, d.To)));
    }

    [Fact]
    public async Task Dockerd_stopped_when_an_alert_fires_makes_the_step_wait_and_it_is_applied_once_when_dockerd_is_back()
    {
        await using var loop = await Loop.StartAsync();
        Assert.Equal(2, await loop.TargetsWhenAsync(2));

        await Infrastructure.InfraAsync("stop", "docker");
        try
        {
            await loop.Alertmanager.AddAlertAsync([$"alertname={Loop.Alert}", $"service={loop.Service}", "scale_action=up"]);
            // Taken in and journaled; the step waits for Docker, retried with backoff. Nothing is dead-lettered.
            var waiting = await loop.DecisionsWhenAsync(d => d.Any(x => x.Outcome == ScaleOutcome.Waiting));
            Assert.Empty(Loop.Applied(waiting));
            Assert.Equal(0, await Opsctl.DepthAsync("scaler_error"));
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "docker");
        }

        var decisions = await loop.DecisionsWhenAsync(d => Loop.Applied(d).Count == 1);
        Assert.Equal((2, 3), (Loop.Applied(decisions)[0].From, Loop.Applied(decisions)[0].To));
        Assert.Equal(3UL, await loop.ReplicasWhenAsync(3));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(Loop.Applied(await loop.DecisionsAsync()));
        Assert.Equal(3UL, await loop.ReplicasAsync());
        Assert.Equal(0, await Opsctl.DepthAsync("scaler_error"));
    }

    [Fact]
    public async Task An_alert_storm_takes_one_step_per_cooldown_and_never_passes_the_maximum()
    {
        await using var loop = await Loop.StartAsync(max: 4, cooldownUp: "00:10:00");
        Assert.Equal(2, await loop.TargetsWhenAsync(2));
        var replicasSeen = new ConcurrentBag<ulong>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                replicasSeen.Add(await loop.ReplicasAsync());
                await Task.Delay(200, CancellationToken.None);
            }
        });

        // In ten seconds: 500 notifications of one firing alert (Alertmanager's repeats and retries), and 50 other
        // alerts naming the same service.
        var start = DateTimeOffset.UtcNow.AddSeconds(-30);
        var same = Notification(loop.Service, "0123456789abcdef", start);
        var others = Enumerable.Range(0, 50).Select(i => Notification(loop.Service, $"{i:x16}", start.AddSeconds(i))).ToList();
        using var http = new HttpClient { BaseAddress = loop["AlertIngest"].BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServiceProcess.Token);
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var stormEnds = DateTime.UtcNow.AddSeconds(10);
        await Task.WhenAll(Enumerable.Range(0, 550).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(i * 10_000 / 550));
            using var content = new StringContent(i % 11 == 10 ? others[i / 11] : same, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri("/v1/alerts/alertmanager", UriKind.Relative), content);
            statuses.Add(response.StatusCode);
        }));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        // Every one of the 51 episodes is in force, once, in what the controller knows.
        var alerts = await Eventually.ValueAsync(
            async () => (await loop["Scaler"].Http.GetFromJsonAsync<ServiceStatus>(new Uri($"/v1/services/{loop.Service}", UriKind.Relative)))!.Alerts,
            a => a.Count == 51);
        Assert.Equal(51, alerts.Select(a => a.AlertId).Distinct().Count());
        var decisions = await loop.DecisionsWhenAsync(d => Loop.Applied(d).Count == 1 && d.Any(x => x.Outcome == ScaleOutcome.Cooldown));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await watcher;

        decisions = await loop.DecisionsAsync();
        Assert.Single(Loop.Applied(decisions));
        Assert.Equal(3UL, await loop.ReplicasAsync());
        Assert.True(replicasSeen.Max() <= 4, $"replicas reached {replicasSeen.Max()}");
        Assert.Equal(3UL, replicasSeen.Max());
        // Repeats change nothing and are not recorded line by line: one step, and the cooldown that holds the next, once.
        Assert.DoesNotContain(decisions, d => d.Outcome == ScaleOutcome.Duplicate);
        Assert.Single(decisions, d => d.Outcome == ScaleOutcome.Cooldown);
    }

    [Fact]
    public async Task A_flood_of_hostile_requests_to_every_endpoint_does_not_stop_the_loop_nor_get_a_500()
    {
        await using var loop = await Loop.StartAsync();
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var flood = Enumerable.Range(0, 4).Select(i => Task.Run(() => FloodAsync(loop, i, answers, stop.Token))).ToList();

        await loop.TurnAsync();

        await stop.CancelAsync();
        await Task.WhenAll(flood);
        Assert.True(answers.Values.Sum() > 500, $"only {answers.Values.Sum()} hostile requests were made");
        Assert.DoesNotContain(answers.Keys, k => k.EndsWith(" 500", StringComparison.Ordinal) || k.EndsWith(" 502", StringComparison.Ordinal));
        Assert.Contains(answers.Keys, k => k.EndsWith(" 401", StringComparison.Ordinal));
        Assert.Contains(answers.Keys, k => k.EndsWith(" 400", StringComparison.Ordinal));
        Assert.All(Services, p => Assert.False(loop[p].HasExited, p));
    }

    /// <summary>What containers do at start: register, and on a 503 send it again until it is accepted.</summary>
    private static async Task<int> RegisterBurstAsync(Loop loop, ConcurrentBag<string> accepted, CancellationToken stop)
    {
        var refused = 0;
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int slot;
            while (!stop.IsCancellationRequested && (slot = Interlocked.Increment(ref next)) <= 20_000)
            {
                var instance = Discovery.Instance("itest_burst", slot, "itest-burst", 9100);
                while (true)
                {
                    HttpStatusCode status;
                    try
                    {
                        using var response = await loop["Registration"].Http.PostAsJsonAsync(new Uri("/v1/instances", UriKind.Relative), instance);
                        status = response.StatusCode;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        status = HttpStatusCode.RequestTimeout;
                    }
                    if (status == HttpStatusCode.Accepted)
                    {
                        accepted.Add($"itest_burst.{slot}");
                        break;
                    }
                    Interlocked.Increment(ref refused);
                    await Task.Delay(500, CancellationToken.None);
                }
            }
        }));
        return refused;
    }

    private static string Notification(string service, string fingerprint, DateTimeOffset startsAt) => JsonSerializer.Serialize(new
    {
        version = "4",
        status = "firing",
        receiver = "alert-ingest",
        groupKey = $"{{}}:{{alertname=\"{Loop.Alert}\"}}",
        alerts = new[]
        {
            new
            {
                status = "firing",
                labels = new Dictionary<string, string> { ["alertname"] = Loop.Alert, ["service"] = service, ["scale_action"] = "up" },
                annotations = new Dictionary<string, string>(),
                startsAt = startsAt.UtcDateTime.ToString("O"),
                endsAt = "0001-01-01T00:00:00Z",
                fingerprint,
            },
        },
    });

    /// <summary>Garbage, wrong credentials, oversized bodies and odd paths, round robin over every service's endpoints.</summary>
    private static async Task FloodAsync(Loop loop, int seed, ConcurrentDictionary<string, int> answers, CancellationToken stop)
    {
        var random = new Random(seed);
        var huge = new string('x', 2 * 1024 * 1024);
        var requests = new List<(string Project, HttpMethod Method, string Path, string? Body, bool Token)>
        {
            ("Registration", HttpMethod.Post, "/v1/instances", "{\"service\":", true),
            ("Registration", HttpMethod.Post, "/v1/instances", "{\"service\":\"../../etc\",\"slot\":-1,\"exporters\":[{\"port\":70000}]}", true),
            ("Registration", HttpMethod.Post, "/v1/instances", "{}", false),
            ("Registration", HttpMethod.Post, "/v1/instances", huge, true),
            ("Registration", HttpMethod.Delete, "/v1/instances/%2e%2e%2f", null, true),
            ("Registration", HttpMethod.Post, "/service", "{\"service\":\"nope\"}", false),
            ("DiscoveryWriter", HttpMethod.Get, "/v1/sd/..%2f..%2fetc", null, true),
            ("DiscoveryWriter", HttpMethod.Get, "/v1/sd/pretix", null, false),
            ("SnmpPoller", HttpMethod.Get, "/snmp?target=not%20a%20host&module=host", null, false),
            ("SnmpPoller", HttpMethod.Get, "/snmp?target=127.0.0.1&module=nope", null, false),
            ("AlertIngest", HttpMethod.Post, "/v1/alerts/alertmanager", "{\"version\":\"4\",\"alerts\":[{\"labels\":{}}]}", true),
            ("AlertIngest", HttpMethod.Post, "/v1/alerts/alertmanager", "{\"version\":\"4\"}", false),
            ("AlertIngest", HttpMethod.Post, "/v1/alerts/grafana", "\u0000\u0001garbage", true),
            ("AlertIngest", HttpMethod.Post, "/v1/alerts/grafana-legacy", huge, true),
            ("Scaler", HttpMethod.Get, "/v1/decisions?since=yesterday&outcome=Sideways", null, true),
            ("Scaler", HttpMethod.Get, "/v1/decisions", null, false),
            ("Scaler", HttpMethod.Post, "/v1/decisions", "{}", true),
        };
        while (!stop.IsCancellationRequested)
        {
            var (project, method, path, body, token) = requests[random.Next(requests.Count)];
            ServiceProcess service;
            try
            {
                service = loop[project];
            }
            catch (KeyNotFoundException)
            {
                continue;
            }
            using var request = new HttpRequestMessage(method, new Uri(service.BaseAddress, path));
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }
            if (token)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServiceProcess.Token);
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var response = await http.SendAsync(request, CancellationToken.None);
                answers.AddOrUpdate($"{project} {(int)response.StatusCode}", 1, (_, n) => n + 1);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                answers.AddOrUpdate($"{project} refused", 1, (_, n) => n + 1);
            }
        }
    }
}
