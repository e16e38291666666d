using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// Runs <see cref="ScaleController.Decide"/> as the reconcile loop would, on a fake clock: every tick it decides on
/// the signals in force then, applies a change at once (as Docker would take it), and keeps the history the journal
/// would. What a test reads is when the count changed and to what, and what was refused.
/// </summary>
internal sealed class ControllerSimulation(ServicePolicy policy, int replicas)
{
    private readonly List<ScaleEvent> _scales = [];
    private readonly List<Recommendation> _recommendations = [];

    public int Replicas { get; private set; } = replicas;

    /// <summary>Every decision that was not steady, with its time.</summary>
    public List<(DateTimeOffset At, Decision Decision)> Decisions { get; } = [];

    public IReadOnlyList<ScaleEvent> Scales => _scales;

    public ServiceHistory History => new([.. _scales], [.. _recommendations]);

    /// <summary>Ticks from <paramref name="from"/> to <paramref name="to"/> every <paramref name="every"/> with the signals of each moment.</summary>
    public ControllerSimulation Run(DateTimeOffset from, DateTimeOffset to, TimeSpan every, Func<DateTimeOffset, ServiceSignals> signals)
    {
        for (var now = from; now <= to; now += every)
        {
            Tick(now, signals(now));
        }

        return this;
    }

    public Decision Tick(DateTimeOffset now, ServiceSignals signals)
    {
        var decision = ScaleController.Decide(policy, signals, History, Replicas, now);
        if (decision.MetricRecommendation is { } raw && (_recommendations.Count == 0 || _recommendations[^1].Replicas != raw))
        {
            _recommendations.Add(new Recommendation(now, raw));
        }

        if (decision.Outcome is not null)
        {
            Decisions.Add((now, decision));
        }

        if (decision.ChangesReplicas)
        {
            _scales.Add(new ScaleEvent(now, decision.From, decision.To));
            Replicas = decision.To;
        }

        return decision;
    }

    /// <summary>The changes as (minutes after <paramref name="start"/>, from, to).</summary>
    public IEnumerable<(double Minutes, int From, int To)> Steps(DateTimeOffset start) =>
        _scales.Select(s => ((s.At - start).TotalMinutes, s.From, s.To));

    public IEnumerable<ScaleOutcome> Outcomes => Decisions.Select(d => d.Decision.Outcome!.Value);
}
