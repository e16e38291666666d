namespace PretixOps.Scaler.Journal;

/// <summary>A replica took the leader lock; the entry's stream offset is its epoch, which fences older leaders.</summary>
public sealed record LeaderElected(string Instance) : JournalEntry;
