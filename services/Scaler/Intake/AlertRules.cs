using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Intake;

/// <summary>
/// AlertIngest validates what it publishes, but the bus takes any JSON: an alert without an id, a name or its labels
/// is refused for good (no retries), naming what it lacks, instead of failing somewhere inside the rules.
/// </summary>
public static class AlertRules
{
    public static void Require(string message, string? alertId, string? name, IReadOnlyDictionary<string, string>? labels)
    {
        var missing = Missing(alertId, name, labels);
        if (missing.Count > 0)
        {
            throw new PermanentMessageException($"Invalid {message}: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing.");
        }
    }

    private static List<string> Missing(string? alertId, string? name, IReadOnlyDictionary<string, string>? labels)
    {
        List<string> missing = [];
        if (string.IsNullOrWhiteSpace(alertId))
        {
            missing.Add("AlertId");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            missing.Add("Name");
        }

        if (labels is null || labels.Any(l => l.Key is null || l.Value is null))
        {
            missing.Add("Labels");
        }

        return missing;
    }
}
