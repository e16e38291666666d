using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// What the Scaler's tests on the real swarm share: a swarm service of their own (busybox, two replicas), Scaler
/// processes with a policy for it and a journal of their own (shared by every replica a test starts), a bus to publish
/// alerts on, and readers of Docker's count, the decision record and the status API.
/// </summary>
internal sealed class ScalerHarness : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<ServiceProcess> _scalers = [];
    private readonly List<string> _services = [];
    private IHost? _bus;

    private ScalerHarness(string service)
    {
        Service = service;
        Journal = $"scaler-journal-{service}";
    }

    public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();

    /// <summary>The swarm service the policy names.</summary>
    public string Service { get; }

    /// <summary>The journal every Scaler of this harness shares.</summary>
    public string Journal { get; }

    public static async Task<ScalerHarness> StartAsync(ulong replicas = 2, string prefix = "itestscale")
    {
        await Infrastructure.RequireBrokerAsync();
        var harness = new ScalerHarness($"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 8)]);
        await harness.CreateServiceAsync(harness.Service, replicas);
        harness._bus = TestBus.Build("itest-scaler-client", configure: null);
        await harness._bus.StartAsync();
        return harness;
    }

    /// <summary>
    /// The policy of the web service (Min 2) as settings; <paramref name="extra"/> adds to them or overrides
    /// (a null removes one), for metrics, windows and limits.
    /// </summary>
    public Dictionary<string, string?> Policy(int max = 4, string cooldownUp = "00:00:03", string window = "00:00:04", string cooldownDown = "00:00:01",
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scaler__Journal__Stream"] = Journal,
            ["Scaler__ReconcileInterval"] = "00:00:01",
            [$"Scaler__Services__{Service}__Min"] = "2",
            [$"Scaler__Services__{Service}__Max"] = max.ToString(CultureInfo.InvariantCulture),
            [$"Scaler__Services__{Service}__CooldownUp"] = cooldownUp,
            [$"Scaler__Services__{Service}__CooldownDown"] = cooldownDown,
            [$"Scaler__Services__{Service}__StabilizationWindow"] = window,
            ["Scaler__Rules__0__Name"] = "web-labelled",
            ["Scaler__Rules__0__Labels__service"] = Service,
            ["Scaler__Rules__0__Labels__scale_action"] = "up",
            ["Scaler__Rules__0__Service"] = Service,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>A Scaler process on this harness's journal, once it is ready (connected, journal read).</summary>
    public async Task<ServiceProcess> StartScalerAsync(IReadOnlyDictionary<string, string?> settings, int? port = null)
    {
        var scaler = ServiceProcess.Start("Scaler", settings, port);
        _scalers.Add(scaler);
        Assert.True(HttpStatusCode.OK == await scaler.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), scaler.ToString());
        return scaler;
    }

    /// <summary>The one of <paramref name="scalers"/> that leads, once one does.</summary>
    public static async Task<ServiceProcess> LeaderAsync(params ServiceProcess[] scalers) =>
        (await Eventually.ValueAsync(async () =>
        {
            foreach (var scaler in scalers.Where(s => !s.HasExited))
            {
                try
                {
                    var metrics = await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                    if (metrics.Contains("\npretixops_scaler_leader 1", StringComparison.Ordinal))
                    {
                        return scaler;
                    }
                }
                catch (HttpRequestException)
                {
                    // Starting or stopping.
                }
            }

            return null;
        }, leader => leader is not null))!;

    /// <summary>Once the leader among <paramref name="scaler"/> has read Docker's count of the service (it decides on the count it last saw).</summary>
    public async Task ObservedAsync(ServiceProcess scaler, int replicas)
    {
        var line = $"pretixops_scaler_replicas{{service=\"{Service}\"}} {replicas}";
        var metrics = await Eventually.ValueAsync(() => scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            m => m.Contains(line, StringComparison.Ordinal));
        Assert.Contains(line, metrics, StringComparison.Ordinal);
    }

    public AlertFired Fired(string episode, string? service = null) => new(
        $"alertmanager:{Service}-{episode}:2026-11-26T10:00:00.000Z", AlertSource.Alertmanager, "PretixWebHighLatency", $"{Service}-{episode}",
        new Dictionary<string, string> { ["alertname"] = "PretixWebHighLatency", ["service"] = service ?? Service, ["scale_action"] = "up" },
        new Dictionary<string, string>(), DateTimeOffset.UtcNow.AddMinutes(-1), null, null, DateTimeOffset.UtcNow);

    public static AlertResolved Resolved(AlertFired fired) => new(
        fired.AlertId, fired.Source, fired.Name, fired.Fingerprint, fired.Labels, fired.Annotations, fired.StartsAt,
        DateTimeOffset.UtcNow, null, DateTimeOffset.UtcNow);

    public Task PublishAsync<T>(T message)
        where T : class => _bus!.Services.GetRequiredService<IBus>().Publish(message);

    public async Task CreateServiceAsync(string name, ulong replicas)
    {
        await Docker.Swarm.CreateServiceAsync(SleepingService.Spec(name, replicas));
        _services.Add(name);
    }

    public async Task<int> ReplicasAsync(string? service = null) =>
        (int)(await Docker.Swarm.InspectServiceAsync(service ?? Service)).Spec.Mode.Replicated.Replicas!;

    public Task<int> ReplicasWhenAsync(int wanted, string? service = null, TimeSpan? bound = null) =>
        Eventually.ValueAsync(() => ReplicasAsync(service), n => n == wanted, bound);

    /// <summary>The record, oldest first, as any replica serves it.</summary>
    public static async Task<IReadOnlyList<RecordedDecision>> DecisionsAsync(ServiceProcess scaler)
    {
        var json = await scaler.Http.GetStringAsync(new Uri("/v1/decisions?limit=1000", UriKind.Relative));
        return [.. (JsonSerializer.Deserialize<List<RecordedDecision>>(json, Json) ?? []).OrderBy(d => d.At)];
    }

    public static Task<IReadOnlyList<RecordedDecision>> DecisionsWhenAsync(ServiceProcess scaler, Func<IReadOnlyList<RecordedDecision>, bool> done,
        TimeSpan? bound = null) =>
        Eventually.ValueAsync(() => DecisionsAsync(scaler), done, bound);

    public async Task<Contracts.ServiceStatus> StatusAsync(ServiceProcess scaler) =>
        (await scaler.Http.GetFromJsonAsync<Contracts.ServiceStatus>(new Uri($"/v1/services/{Service}", UriKind.Relative), Json))!;

    public static IReadOnlyList<(int From, int To)> Steps(IReadOnlyList<RecordedDecision> decisions) =>
        [.. decisions.Where(d => d.Outcome == ScaleOutcome.Applied && d.From != d.To).Select(d => (d.From, d.To))];

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync();
            _bus.Dispose();
        }

        foreach (var scaler in _scalers)
        {
            await scaler.DisposeAsync();
        }

        foreach (var service in _services)
        {
            try
            {
                await Docker.Swarm.RemoveServiceAsync(service);
            }
            catch (DockerApiException)
            {
                // A test removed it itself.
            }
        }

        await Infrastructure.DeleteQueueAsync(Journal);
        Docker.Dispose();
    }
}
