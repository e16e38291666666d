namespace PretixOps.Scaler.Control;

/// <summary>An operator's one-off change, decided once through the policy (bounds and pause; not cooldowns).</summary>
public sealed record OperatorRequest(string RequestId, int? Replicas, int? Delta, string By, string Reason, DateTimeOffset At);
