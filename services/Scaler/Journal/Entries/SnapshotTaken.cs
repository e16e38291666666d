namespace PretixOps.Scaler.Journal;

/// <summary>Everything the controller knows, so retention can drop older entries without losing a pause or a firing alert.</summary>
public sealed record SnapshotTaken(StateSnapshot State) : JournalEntry;
