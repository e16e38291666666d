namespace PretixOps.Contracts;

/// <summary>A metric target's last reading: its value against its target, or why there is none.</summary>
/// <param name="PerReplica">True when <see cref="Target"/> is per replica (the value is the whole service's), false when it is for the service.</param>
/// <param name="Recommendation">The replica count this reading asks for, before bounds and rate limits.</param>
public sealed record MetricInput(string Name, double? Value, double Target, bool PerReplica, int? Recommendation, string? Error);
