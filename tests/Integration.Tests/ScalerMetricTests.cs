using PretixOps.Contracts;
using PretixOps.Shared;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// Target tracking for real: an exporter's gauge scraped by a real Prometheus, queried by the Scaler over its HTTP API,
/// scaling a real swarm service in proportion, back down after the stabilization window, and holding (then falling
/// back) while Prometheus is away.
/// </summary>
public sealed class ScalerMetricTests : IAsyncLifetime
{
    private const string Window = "00:00:08";

    private ScalerHarness _harness = null!;
    private GaugeExporter _exporter = null!;
    private PrometheusProcess? _prometheus;

    public async Task InitializeAsync()
    {
        _harness = await ScalerHarness.StartAsync(prefix: "itestmetric");
        _exporter = new GaugeExporter("itest_load");
        Load = 10;
        _prometheus = await StartPrometheusAsync(port: null);
        // Scraped once before any Scaler asks: a fresh Prometheus answers no series at first, which is a failing source.
        await Eventually.ValueAsync(() => _prometheus.ScalarAsync($"itest_load{{service=\"{_harness.Service}\"}}"), v => v is not null);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        _exporter.Dispose();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_metric_target_scales_a_real_service_in_proportion_and_back_down_after_the_stabilization_window()
    {
        var scaler = await _harness.StartScalerAsync(Policy());
        await ReadsAsync(scaler, 10);

        Load = 40;
        Assert.Equal(4, await _harness.ReplicasWhenAsync(4));
        var up = (await ScalerHarness.DecisionsWhenAsync(scaler, d => ScalerHarness.Steps(d).Count == 1)).Single(d => d.Outcome == ScaleOutcome.Applied);
        Assert.Equal((2, 4, "metric-up", "metric:load"), (up.From, up.To, up.Code, up.Trigger));
        Assert.Equal(40, Assert.Single(up.Inputs!.Metrics).Value);

        var lowered = DateTimeOffset.UtcNow;
        Load = 10;
        Assert.Equal(2, await _harness.ReplicasWhenAsync(2));
        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => ScalerHarness.Steps(d).Count == 2);
        var down = decisions.Single(d => d is { Outcome: ScaleOutcome.Applied, From: 4 });
        Assert.Equal((2, "metric-down"), (down.To, down.Code));
        Assert.True(down.At >= lowered + TimeSpan.Parse(Window, System.Globalization.CultureInfo.InvariantCulture),
            $"scaled down at {down.At:O}, inside the window after {lowered:O}");
        Assert.Contains(decisions, d => d is { Outcome: ScaleOutcome.Cooldown, Code: "stabilization-metric" });
    }

    [Fact]
    public async Task With_prometheus_stopped_it_never_scales_down_falls_back_after_the_threshold_and_recovers_when_prometheus_returns()
    {
        var scaler = await _harness.StartScalerAsync(Policy(new Dictionary<string, string?>
        {
            [$"Scaler__Services__{_harness.Service}__FailureThreshold"] = "3",
            [$"Scaler__Services__{_harness.Service}__FallbackReplicas"] = "5",
        }));
        Load = 40;
        Assert.Equal(4, await _harness.ReplicasWhenAsync(4));

        var port = _prometheus!.Address.Port;
        await _prometheus.DisposeAsync();
        _prometheus = null;
        // Nobody scrapes it now; were the failing source read as zero, this is what the Scaler would follow.
        Load = 0;

        var held = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Held));
        Assert.Equal((4, 4), held.Where(x => x.Outcome == ScaleOutcome.Held).Select(x => (x.From, x.To)).First());
        Assert.Equal(5, await _harness.ReplicasWhenAsync(5));
        var fallback = (await ScalerHarness.DecisionsAsync(scaler)).Single(d => d is { Outcome: ScaleOutcome.Applied, To: 5 });
        Assert.Equal("fallback", fallback.Code);
        var status = await _harness.StatusAsync(scaler);
        var load = Assert.Single(status.Metrics);
        Assert.True(load.ConsecutiveFailures >= 3 && !load.SourceHealthy, load.ToString());
        Assert.Contains("pretixops_scaler_metric_failures{service=", await scaler.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            StringComparison.Ordinal);
        Assert.DoesNotContain(await ScalerHarness.DecisionsAsync(scaler), d => d.Outcome == ScaleOutcome.Applied && d.To < d.From);

        Load = 40;
        _prometheus = await StartPrometheusAsync(port);
        Assert.Equal(4, await _harness.ReplicasWhenAsync(4));
        var recovered = (await ScalerHarness.DecisionsAsync(scaler)).Single(d => d is { Outcome: ScaleOutcome.Applied, From: 5, To: 4 });
        Assert.Equal("metric-down", recovered.Code);
    }

    /// <summary>The gauge of this test's service.</summary>
    private double Load
    {
        set => _exporter[$"service=\"{_harness.Service}\""] = value;
    }

    private Dictionary<string, string?> Policy(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var service = _harness.Service;
        var settings = new Dictionary<string, string?>
        {
            ["Scaler__Prometheus__Url"] = _prometheus!.Address.ToString(),
            ["Scaler__Prometheus__Timeout"] = "00:00:02",
            [$"Scaler__Services__{service}__Metrics__0__Name"] = "load",
            [$"Scaler__Services__{service}__Metrics__0__Query"] = $"max(itest_load{{service=\"{service}\"}})",
            [$"Scaler__Services__{service}__Metrics__0__TargetPerReplica"] = "10",
            [$"Scaler__Services__{service}__Metrics__0__Interval"] = "00:00:01",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return _harness.Policy(max: 6, window: Window, extra: settings);
    }

    private Task<PrometheusProcess> StartPrometheusAsync(int? port) =>
        PrometheusProcess.StartAsync($"""
              - job_name: load
                static_configs:
                  - targets: ['127.0.0.1:{_exporter.Port}']
            """, port: port);

    /// <summary>Once the Scaler reads the gauge through Prometheus.</summary>
    private async Task ReadsAsync(ServiceProcess scaler, double value)
    {
        var status = await Eventually.ValueAsync(() => _harness.StatusAsync(scaler), s => s.Metrics.Count == 1 && s.Metrics[0].Value == value);
        Assert.Equal(value, Assert.Single(status.Metrics).Value);
    }
}
