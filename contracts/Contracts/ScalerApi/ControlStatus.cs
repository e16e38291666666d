namespace PretixOps.Contracts;

/// <param name="By">Who paused or resumed the service last (a named credential), why and when; null when the policy's own.</param>
/// <param name="DryRunBy">Who turned dry run on or off last, why and when; null when the policy's own.</param>
public sealed record ControlStatus(
    bool Paused, int? PausedAt, bool DryRun, string? By, string? Reason, DateTimeOffset? At,
    string? DryRunBy = null, string? DryRunReason = null, DateTimeOffset? DryRunAt = null);
