namespace PretixOps.Contracts;

/// <summary>An alert episode in force for the service.</summary>
public sealed record AlertInput(string AlertId, string Rule, string Direction, DateTimeOffset Since);
