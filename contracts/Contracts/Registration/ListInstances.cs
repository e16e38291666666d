namespace PretixOps.Contracts;

/// <summary>A request for what is registered now, optionally narrowed to one service or one job.</summary>
public sealed record ListInstances(string? Service, string? Job);
