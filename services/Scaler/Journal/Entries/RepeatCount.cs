namespace PretixOps.Scaler.Journal;

public sealed record RepeatCount(Guid DecisionId, int Repeats, DateTimeOffset LastAt);
