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
