namespace PretixOps.Scaler.Journal;

/// <summary>
/// Everything <see cref="ControllerState"/> knows but the decisions themselves (which stay in the journal for their
/// retention): written by the leader now and then, so that the journal's retention can drop old entries without
/// losing a pause set a month ago or an alert that has been firing since.
/// </summary>
/// <param name="UpTo">The offset of the last entry the snapshot includes.</param>
public sealed record StateSnapshot(
    Guid Incarnation,
    long UpTo,
    IReadOnlyDictionary<string, ServiceRecord> Services,
    IReadOnlyDictionary<string, DateTimeOffset> EndedAlerts,
    IReadOnlyDictionary<string, DateTimeOffset> Handled,
    IReadOnlyList<Guid> Unannounced,
    IReadOnlyList<RepeatCount> Repeats)
{
    /// <summary>A deep copy (through JSON): a snapshot never shares the live records it was taken from, nor they its.</summary>
    public StateSnapshot Copy() =>
        System.Text.Json.JsonSerializer.Deserialize<StateSnapshot>(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(this, JournalEntry.Json), JournalEntry.Json)!;
}
