namespace PretixOps.Contracts;

/// <summary>When the clocks that hold the service end; null where none runs.</summary>
public sealed record ClockStatus(DateTimeOffset? CooldownUpEndsAt, DateTimeOffset? CooldownDownEndsAt, DateTimeOffset? StabilizationEndsAt);
