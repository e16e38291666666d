using PretixOps.Scaler.Control;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// What the journal says about one service: the signals in force (alert episodes, controls, operator requests), its
/// recent history (replica changes, metric recommendations), its last decision and an intent not yet settled. Plain
/// data, so that a snapshot is this serialized.
/// </summary>
public sealed class ServiceRecord
{
    public Dictionary<string, AlertEpisode> Firing { get; set; } = new(StringComparer.Ordinal);

    public EndedAlert? LastUpAlertEnded { get; set; }

    public ControlState Controls { get; set; } = ControlState.None;

    /// <summary>Operator requests not decided yet, oldest first.</summary>
    public List<OperatorRequest> Requests { get; set; } = [];

    public List<Recommendation> Recommendations { get; set; } = [];

    public List<ScaleEvent> Scales { get; set; } = [];

    public Guid? LastDecisionId { get; set; }

    /// <summary>A decision written before its Docker update, not yet applied or abandoned.</summary>
    public DecisionMade? Intent { get; set; }

    /// <summary>The trace of the last signal that changed what the service should have: a decision continues it.</summary>
    public string? Cause { get; set; }

    /// <summary>Drops history no clock can reach any more (the longest clock a policy may set, a day).</summary>
    public void Trim(DateTimeOffset now)
    {
        var horizon = now - Policy.ServicePolicy.LongestClock;
        Scales.RemoveAll(s => s.At < horizon);
        // A recommendation holds until the next one: keep the last one that began before the horizon.
        var firstInside = Recommendations.FindIndex(r => r.At >= horizon);
        var keepFrom = firstInside < 0 ? Recommendations.Count - 1 : Math.Max(0, firstInside - 1);
        if (keepFrom > 0)
        {
            Recommendations.RemoveRange(0, keepFrom);
        }

        // An episode not repeated for a week is stale under any policy (AlertStaleAfter is at most seven days).
        foreach (var old in Firing.Where(f => f.Value.LastSeen < now - TimeSpan.FromDays(7)).Select(f => f.Key).ToList())
        {
            Firing.Remove(old);
        }
    }
}
