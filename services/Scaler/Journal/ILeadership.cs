namespace PretixOps.Scaler.Journal;

/// <summary>Whether this replica leads (acts), and its term while it does.</summary>
public interface ILeadership
{
    LeaderTerm? Term { get; }

    event Action? Changed;
}

/// <summary>A leader's term: its epoch (fencing older leaders) and a token that ends when the term does.</summary>
public sealed record LeaderTerm(long Epoch, CancellationToken Token);

/// <summary>This replica's term ended (another was elected): whatever it was doing is left to the new leader.</summary>
public sealed class LeadershipLostException(string message) : Exception(message);
