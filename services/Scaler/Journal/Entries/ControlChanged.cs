namespace PretixOps.Scaler.Journal;

/// <summary>Pause, resume or dry run, by whom (from the caller's credential) and why. Null fields are unchanged.</summary>
public sealed record ControlChanged(string Service, bool? Paused, int? PauseReplicas, bool? DryRun, string By, string Reason) : JournalEntry;
