namespace PretixOps.AlertIngest;

// The webhook bodies as their senders document them. Every field is optional here so that the parser,
// not the JSON reader, decides what is missing and names it; unknown fields are ignored.

public sealed record LegacyEvalMatch(double? Value, string? Metric, IReadOnlyDictionary<string, string>? Tags);
