namespace PretixOps.Scaler.Journal;

/// <summary>An operator's one-off change, waiting to be decided.</summary>
public sealed record OperatorRequested(string RequestId, string Service, int? Replicas, int? Delta, string By, string Reason) : JournalEntry;
