using System.Text.Json;

namespace PretixOps.AlertIngest;

// The webhook bodies as their senders document them. Every field is optional here so that the parser,
// not the JSON reader, decides what is missing and names it; unknown fields are ignored.

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
