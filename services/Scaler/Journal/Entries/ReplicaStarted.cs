namespace PretixOps.Scaler.Journal;

/// <summary>A replica connected: once it reads its own entry back, it has read everything before it.</summary>
public sealed record ReplicaStarted(string Instance) : JournalEntry;
