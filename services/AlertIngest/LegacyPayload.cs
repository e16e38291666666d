namespace PretixOps.AlertIngest;

// The webhook bodies as their senders document them. Every field is optional here so that the parser,
// not the JSON reader, decides what is missing and names it; unknown fields are ignored.

/// <summary>Grafana's legacy alerting webhook, the report's format.</summary>
public sealed record LegacyPayload(
    string? RuleName,
    long? RuleId,
    string? State,
    IReadOnlyList<LegacyEvalMatch?>? EvalMatches,
    IReadOnlyDictionary<string, string>? Tags,
    string? Title,
    string? Message,
    string? RuleUrl,
    long? DashboardId,
    long? PanelId,
    long? OrgId);
