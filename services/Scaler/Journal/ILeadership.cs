namespace PretixOps.Scaler.Journal;

/// <summary>Whether this replica leads (acts), and its term while it does.</summary>
public interface ILeadership
{
    LeaderTerm? Term { get; }

    event Action? Changed;
}
