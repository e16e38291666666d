using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Journal;

/// <summary>An alert episode ended (resolved). Remembered, so a late or replayed firing of it changes nothing.</summary>
public sealed record AlertEnded(string AlertId, string Service, string Rule, Direction Direction) : JournalEntry;
