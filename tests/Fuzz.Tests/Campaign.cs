using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PretixOps.Integration.Tests;

namespace PretixOps.Fuzz.Tests;

/// <summary>
/// Runs <c>cases</c> hostile inputs against a <see cref="FuzzRig"/>: nine in ten HTTP requests spread over every
/// endpoint, one in ten a bus message on a service's queue; with every 50th, on top, a legitimate registration and a
/// legitimate alert, which must come through. Case <c>i</c> is generated from (seed, i) alone, so any case replays.
/// </summary>
internal sealed class Campaign(FuzzRig rig, BusProbe bus, int seed)
{
    private const int Parallel = 8;

    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = Parallel * 2 }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<BusCase> _deadLetters = [];
    private readonly Lock _lock = new();
    private int _legit;

    public CampaignReport Report { get; } = new() { Seed = seed };

    /// <summary>The queues of this campaign's own DiscoveryWriter and SnmpPoller (as ServiceProcess names their replicas).</summary>
    public IReadOnlyList<string> OwnQueues =>
    [
        "discovery-writer-itest-" + rig.Services["DiscoveryWriter"].BaseAddress.Port,
        "snmp-poller-itest-" + rig.Services["SnmpPoller"].BaseAddress.Port,
    ];

    public async Task RunAsync(int cases)
    {
        var clock = Stopwatch.StartNew();
        var snmpTargets = rig.Agents.Select(a => $"127.0.0.1:{a.Port}").Append("127.0.0.1:9").Append("fuzz-node").ToList();
        var endpoints = Endpoints.All(rig.Secrets, snmpTargets);
        var queues = BusCases.Queues(OwnQueues[0], OwnQueues[1]);
        foreach (var (name, service) in rig.Services)
        {
            Report.Rss[name] = (FuzzRig.Rss(service), 0);
        }

        await System.Threading.Tasks.Parallel.ForAsync(0, cases, new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (i, _) =>
        {
            var random = new Random(HashCode.Combine(seed, i));
            if (i % 50 == 25)
            {
                await LegitimateAsync(Interlocked.Increment(ref _legit));
            }
            if (i % 10 == 0)
            {
                var message = BusCases.Next(random, queues[random.Next(queues.Count)]);
                Report.Bus(message);
                await bus.PublishAsync(message);
                if (message.Expected is not null)
                {
                    lock (_lock)
                    {
                        _deadLetters.Add(message);
                    }
                }
            }
            else
            {
                var endpoint = endpoints[random.Next(endpoints.Count)];
                var request = HttpCases.Next(random, endpoint);
                Report.Http(request, await SendAsync(request));
            }
        });
        Report.Duration = clock.Elapsed;
    }

    private async Task<string> SendAsync(HttpCase request)
    {
        var server = rig.Services[request.Project].BaseAddress;
        try
        {
            if (request.RawHead is not null || request.Slow)
            {
                var status = await RawHttp.SendAsync(server, request, CancellationToken.None);
                return status == 0 ? "closed" : status.ToString(CultureInfo.InvariantCulture);
            }
            using var message = new HttpRequestMessage(request.Method, new Uri(server, request.PathAndQuery));
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (request.ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                }
            }
            foreach (var (name, value) in request.Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await _http.SendAsync(message);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (TaskCanceledException)
        {
            return "timeout";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            return "no-answer";
        }
    }

    /// <summary>A registration and an alert as their real senders send them; a 429 or 503 is tried again as its Retry-After says.</summary>
    private async Task LegitimateAsync(int n)
    {
        var registration = $$"""{"service":"fuzzlegit","slot":{{n}},"address":"127.0.0.1","ttlSeconds":3600,"exporters":[{"job":"fuzzlegit","port":9100}]}""";
        await PostUntilAcceptedAsync("Registration", "/v1/instances", registration,
            ("Authorization", $"Bearer {ServiceProcess.Token}"));
        var alert = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "alertmanager-webhook-v4.json")))!;
        foreach (var item in alert["alerts"]!.AsArray())
        {
            item!["labels"]!["alertname"] = LegitAlert(n);
            item["status"] = "firing";
            item["fingerprint"] = $"{n:x16}";
        }
        alert["status"] = "firing";
        await PostUntilAcceptedAsync("AlertIngest", "/v1/alerts/alertmanager", alert.ToJsonString(),
            ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FuzzSecrets.AlertmanagerUser}:{rig.Secrets.AlertmanagerPassword}"))));
    }

    public static string LegitAlert(int n) => $"FuzzLegit{n}";

    public int LegitCount => Volatile.Read(ref _legit);

    public IReadOnlyList<BusCase> ExpectedDeadLetters => _deadLetters;

    private async Task PostUntilAcceptedAsync(string project, string path, string body, (string Name, string Value) credentials)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(rig.Services[project].BaseAddress, path))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            message.Headers.TryAddWithoutValidation(credentials.Name, credentials.Value);
            using var response = await _http.SendAsync(message);
            Report.Statuses.AddOrUpdate($"legit {(int)response.StatusCode}", 1, (_, c) => c + 1);
            if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || attempt == 20)
            {
                Assert.True(response.IsSuccessStatusCode, $"a legitimate POST {path} was answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                return;
            }
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }
}
