namespace PretixOps.Scaler.Journal;

/// <summary>The intent was not applied (Docker failed, or the leader found it undone after a failover).</summary>
public sealed record DecisionAbandoned(long Epoch, Guid DecisionId, string Reason) : JournalEntry;
