using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// One fact in the controller's journal: a signal (an alert firing or ending, a control, an operator's request, a
/// metric recommendation), a decision and what became of it, or a snapshot of everything. Every Scaler replica
/// reads the journal in the same order and folds it into the same <see cref="ControllerState"/>. Entries are only
/// ever added to (new kinds, new optional fields); a replica skips a kind it does not know.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ReplicaStarted), "replicaStarted")]
[JsonDerivedType(typeof(LeaderElected), "leaderElected")]
[JsonDerivedType(typeof(AlertFiring), "alertFiring")]
[JsonDerivedType(typeof(AlertEnded), "alertEnded")]
[JsonDerivedType(typeof(ControlChanged), "controlChanged")]
[JsonDerivedType(typeof(OperatorRequested), "operatorRequested")]
[JsonDerivedType(typeof(RecommendationChanged), "recommendationChanged")]
[JsonDerivedType(typeof(DecisionMade), "decisionMade")]
[JsonDerivedType(typeof(DecisionApplied), "decisionApplied")]
[JsonDerivedType(typeof(DecisionAbandoned), "decisionAbandoned")]
[JsonDerivedType(typeof(DecisionsAnnounced), "decisionsAnnounced")]
[JsonDerivedType(typeof(SnapshotTaken), "snapshotTaken")]
public abstract record JournalEntry
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Unique per entry: an appender waits for its own entry to come back from the stream.</summary>
    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>When the fact was recorded; every clock in the state runs on these, so every replica agrees.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the work that recorded it (the alert's or the request's trace), so the leader that
    /// acts on it later, perhaps in another replica, continues that trace. Null when it was recorded outside one.
    /// </summary>
    public string? Trace { get; init; }

    /// <summary>The entry as it is appended: with the trace of the work that appends it, unless it names one already.</summary>
    public JournalEntry Traced() =>
        Trace is null && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? this with { Trace = current.Id } : this;

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The entry, or null for a kind this version does not know (written by a newer one).</summary>
    public static JournalEntry? Deserialize(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<JournalEntry>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
