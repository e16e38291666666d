namespace PretixOps.Scaler.Journal;

/// <summary>
/// The seam to the journal: append an entry (done once it is durable and applied), and the state every entry was
/// folded into. <see cref="StreamJournal"/> is the real one (a RabbitMQ stream); unit tests use one in memory.
/// </summary>
public interface IJournal
{
    ControllerState State { get; }

    /// <summary>The journal's name, for status and logs.</summary>
    string Stream { get; }

    bool Connected { get; }

    /// <summary>True once everything written before this replica started has been applied.</summary>
    bool CaughtUp { get; }

    Task WhenCaughtUp(CancellationToken cancellationToken);

    /// <summary>Appends an entry and returns its offset once it is durable and applied to <see cref="State"/>.</summary>
    /// <exception cref="JournalUnavailableException">Nothing was recorded.</exception>
    Task<long> AppendAsync(JournalEntry entry, CancellationToken cancellationToken);

    /// <summary>Raised after each entry is applied, with the service it concerned (null: none in particular).</summary>
    event Action<JournalEntry, string?>? Applied;
}
