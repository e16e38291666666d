namespace PretixOps.Scaler.Control;

/// <summary>A replica change Docker took, by whatever decided it.</summary>
public sealed record ScaleEvent(DateTimeOffset At, int From, int To);
