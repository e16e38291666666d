using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Policy;

/// <summary>
/// <c>Scaler:Journal</c>: the RabbitMQ stream that holds everything the controller knows (signals, controls,
/// decisions), replicated by the broker's cluster and read by every Scaler replica.
/// </summary>
public sealed class JournalOptions
{
    /// <summary>The stream's name; the leader lock is the exclusive queue <c>&lt;Stream&gt;-leader</c>.</summary>
    public string Stream { get; set; } = "scaler-journal";

    /// <summary>How often the leader writes the whole state as one entry, so that retention never cuts a pause or a firing alert.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an append waits for the broker's confirm and its own delivery back from the stream.</summary>
    public TimeSpan AppendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (!Names.IsValid(Stream))
        {
            yield return ("Journal:Stream", Names.Rule);
        }

        if (SnapshotInterval < TimeSpan.FromMinutes(1))
        {
            yield return ("Journal:SnapshotInterval", "must be at least 00:01:00.");
        }

        if (AppendTimeout < TimeSpan.FromSeconds(1))
        {
            yield return ("Journal:AppendTimeout", "must be at least 00:00:01.");
        }
    }
}
