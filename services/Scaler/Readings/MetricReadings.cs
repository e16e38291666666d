using System.Collections.Concurrent;
using PretixOps.Scaler.Control;
using Prometheus;

namespace PretixOps.Scaler.Readings;

/// <summary>
/// The last reading of every metric target, by service: its value, or the failure and how many in a row. In memory
/// on every replica (each reads Prometheus itself), so a standby that takes over has them already.
/// </summary>
public sealed class MetricReadings
{
    private static readonly Gauge Value = Metrics.CreateGauge(
        "pretixops_scaler_metric_value", "The last value a metric target's query answered.", "service", "metric");

    private static readonly Gauge Failures = Metrics.CreateGauge(
        "pretixops_scaler_metric_failures", "Consecutive failed readings of a metric target (0: its source answers).", "service", "metric");

    private static readonly Counter Errors = Metrics.CreateCounter(
        "pretixops_scaler_metric_errors_total", "Failed readings, by reason.", "service", "metric", "reason");

    private readonly ConcurrentDictionary<(string Service, string Metric), MetricReading> _readings = new();

    /// <summary>Raised when a reading changed what the service's metrics say (a new value, a failure, a recovery).</summary>
    public event Action<string>? Changed;

    public IReadOnlyList<MetricReading> For(string service) =>
        [.. _readings.Where(r => r.Key.Service == service).Select(r => r.Value)];

    public void Record(string service, string metric, double value, DateTimeOffset at)
    {
        var before = _readings.GetValueOrDefault((service, metric));
        _readings[(service, metric)] = new MetricReading(metric, value, at, 0, null);
        Value.WithLabels(service, metric).Set(value);
        Failures.WithLabels(service, metric).Set(0);
        if (before is null || before.Value != value || before.Failing)
        {
            Changed?.Invoke(service);
        }
    }

    /// <summary>Records a failed reading; returns how many in a row have failed now.</summary>
    public int Fail(string service, string metric, string reason, string error, DateTimeOffset at)
    {
        var before = _readings.GetValueOrDefault((service, metric));
        var failures = (before?.ConsecutiveFailures ?? 0) + 1;
        _readings[(service, metric)] = new MetricReading(metric, null, at, failures, error);
        Failures.WithLabels(service, metric).Set(failures);
        Errors.WithLabels(service, metric, reason).Inc();
        Changed?.Invoke(service);
        return failures;
    }

    /// <summary>Forgets the readings of targets the policy no longer has (or whose query changed).</summary>
    public void Retain(IReadOnlySet<(string Service, string Metric)> targets)
    {
        foreach (var key in _readings.Keys.Where(k => !targets.Contains(k)))
        {
            _readings.TryRemove(key, out _);
            Value.RemoveLabelled(key.Service, key.Metric);
            Failures.RemoveLabelled(key.Service, key.Metric);
        }
    }

    public void Forget(string service, string metric) => Retain(new HashSet<(string, string)>(_readings.Keys.Where(k => k != (service, metric))));
}
