using System.Text.Json.Serialization;

namespace PretixOps.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<ScaleOutcome>))]
public enum ScaleOutcome
{
    Applied,
    DryRun,
    Cooldown,
    AtMaximum,
    AtMinimum,
    NoMatchingRule,
    NotAllowed,
    Duplicate,
    Paused,
    Failed,

    /// <summary>A change is wanted but Docker cannot be reached (or keeps refusing): it is retried with backoff and applied once Docker answers.</summary>
    Waiting,

    /// <summary>A metric's source fails: no scale-down on it until it answers again (fail-safe).</summary>
    Held,
}
