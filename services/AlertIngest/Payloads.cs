using System.Text.Json;

namespace PretixOps.AlertIngest;

// The webhook bodies as their senders document them. Every field is optional here so that the parser,
// not the JSON reader, decides what is missing and names it; unknown fields are ignored.

/// <summary>Prometheus Alertmanager's webhook, version 4; Grafana's unified alerting webhook (version 1) adds to it.</summary>
public sealed record AlertmanagerPayload(
    string? Version,
    string? Receiver,
    string? Status,
    IReadOnlyList<AlertmanagerAlert?>? Alerts,
    IReadOnlyDictionary<string, string>? GroupLabels,
    IReadOnlyDictionary<string, string>? CommonLabels,
    IReadOnlyDictionary<string, string>? CommonAnnotations,
    string? ExternalURL,
    string? GroupKey,
    int? TruncatedAlerts,
    long? OrgId,
    string? State,
    string? Title,
    string? Message);

public sealed record AlertmanagerAlert(
    string? Status,
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyDictionary<string, string>? Annotations,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    string? GeneratorURL,
    string? Fingerprint,
    IReadOnlyDictionary<string, JsonElement>? Values,
    string? ValueString,
    string? DashboardURL,
    string? PanelURL,
    string? SilenceURL,
    string? ImageURL);

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

public sealed record LegacyEvalMatch(double? Value, string? Metric, IReadOnlyDictionary<string, string>? Tags);
