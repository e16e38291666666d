namespace PretixOps.Contracts;

/// <summary>One exporter in a <see cref="RegisterInstance"/>; path defaults to /metrics, scheme to http.</summary>
public sealed record RegisterExporter(
    string? Job,
    int? Port,
    string? Path,
    string? Scheme,
    IReadOnlyDictionary<string, string>? Labels);
