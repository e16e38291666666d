namespace PretixOps.Contracts;

/// <summary>One Prometheus exporter an instance serves.</summary>
public sealed record ExporterEndpoint(
    string Job,
    int Port,
    string Path,
    string Scheme,
    IReadOnlyDictionary<string, string> Labels);
