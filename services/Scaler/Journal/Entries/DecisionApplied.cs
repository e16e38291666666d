namespace PretixOps.Scaler.Journal;

/// <summary>Docker took the intent: the service has the new count (and the decision's id in its labels).</summary>
public sealed record DecisionApplied(long Epoch, Guid DecisionId) : JournalEntry;
