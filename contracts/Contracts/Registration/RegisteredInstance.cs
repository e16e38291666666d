namespace PretixOps.Contracts;

/// <summary>A live registry entry: the latest registration and when it expires (null: never).</summary>
public sealed record RegisteredInstance(InstanceRegistered Registration, DateTimeOffset? ExpiresAt);
