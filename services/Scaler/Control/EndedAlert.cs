namespace PretixOps.Scaler.Control;

public sealed record EndedAlert(string AlertId, DateTimeOffset At);
