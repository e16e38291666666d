using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Journal;

/// <summary>An alert episode fires for a service (first seen, or seen again: <paramref name="SeenAt"/> moves on).</summary>
public sealed record AlertFiring(string AlertId, string Service, string Rule, Direction Direction, DateTimeOffset Since, DateTimeOffset SeenAt)
    : JournalEntry;
