namespace PretixOps.Contracts;

/// <summary>An instance left: it said so, or it stopped renewing its registration.</summary>
public sealed record InstanceDeregistered(
    string InstanceId,
    string Service,
    DeregistrationReason Reason,
    DateTimeOffset At);
