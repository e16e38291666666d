namespace PretixOps.Scaler.Journal;

/// <summary>The outbox: these decisions were published on the bus.</summary>
public sealed record DecisionsAnnounced(IReadOnlyList<Guid> DecisionIds) : JournalEntry;
