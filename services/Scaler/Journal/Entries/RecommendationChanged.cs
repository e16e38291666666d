namespace PretixOps.Scaler.Journal;

/// <summary>The metric targets' raw recommendation for a service changed (the stabilization window's history).</summary>
public sealed record RecommendationChanged(string Service, int Replicas, long Epoch) : JournalEntry;
