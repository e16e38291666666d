namespace PretixOps.Scaler.Journal;

/// <summary>This replica's term ended (another was elected): whatever it was doing is left to the new leader.</summary>
public sealed class LeadershipLostException(string message) : Exception(message);
