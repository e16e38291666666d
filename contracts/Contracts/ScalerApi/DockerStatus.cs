namespace PretixOps.Contracts;

/// <param name="ObservedAt">When Docker was asked for this answer; null when it did not answer (the count is then the last seen).</param>
public sealed record DockerStatus(bool Up, DateTimeOffset? ObservedAt, string? Error);
