namespace PretixOps.Scaler.Control;

/// <summary>The metric targets' raw recommendation from <paramref name="At"/> on, until the next one.</summary>
public sealed record Recommendation(DateTimeOffset At, int Replicas);
