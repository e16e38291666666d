using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

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

/// <summary>A replica connected: once it reads its own entry back, it has read everything before it.</summary>
public sealed record ReplicaStarted(string Instance) : JournalEntry;

/// <summary>A replica took the leader lock; the entry's stream offset is its epoch, which fences older leaders.</summary>
public sealed record LeaderElected(string Instance) : JournalEntry;

/// <summary>An alert episode fires for a service (first seen, or seen again: <paramref name="SeenAt"/> moves on).</summary>
public sealed record AlertFiring(string AlertId, string Service, string Rule, Direction Direction, DateTimeOffset Since, DateTimeOffset SeenAt)
    : JournalEntry;

/// <summary>An alert episode ended (resolved). Remembered, so a late or replayed firing of it changes nothing.</summary>
public sealed record AlertEnded(string AlertId, string Service, string Rule, Direction Direction) : JournalEntry;

/// <summary>Pause, resume or dry run, by whom (from the caller's credential) and why. Null fields are unchanged.</summary>
public sealed record ControlChanged(string Service, bool? Paused, int? PauseReplicas, bool? DryRun, string By, string Reason) : JournalEntry;

/// <summary>An operator's one-off change, waiting to be decided.</summary>
public sealed record OperatorRequested(string RequestId, string Service, int? Replicas, int? Delta, string By, string Reason) : JournalEntry;

/// <summary>The metric targets' raw recommendation for a service changed (the stabilization window's history).</summary>
public sealed record RecommendationChanged(string Service, int Replicas, long Epoch) : JournalEntry;

/// <summary>
/// A decision. An <paramref name="Intent"/> is about to be applied to Docker and becomes a decision only with its
/// <see cref="DecisionApplied"/>; any other is final at once. <paramref name="Epoch"/> (null for decisions that touch
/// nothing, made on intake) fences a leader that lost its lock without knowing. <paramref name="Supersedes"/> carries
/// the repeats counted for the service's previous decision.
/// </summary>
public sealed record DecisionMade(
    long? Epoch, ScaleDecisionRecorded Decision, string Code, string? RequestId, bool Intent, RepeatCount? Supersedes = null) : JournalEntry;

public sealed record RepeatCount(Guid DecisionId, int Repeats, DateTimeOffset LastAt);

/// <summary>Docker took the intent: the service has the new count (and the decision's id in its labels).</summary>
public sealed record DecisionApplied(long Epoch, Guid DecisionId) : JournalEntry;

/// <summary>The intent was not applied (Docker failed, or the leader found it undone after a failover).</summary>
public sealed record DecisionAbandoned(long Epoch, Guid DecisionId, string Reason) : JournalEntry;

/// <summary>The outbox: these decisions were published on the bus.</summary>
public sealed record DecisionsAnnounced(IReadOnlyList<Guid> DecisionIds) : JournalEntry;

/// <summary>Everything the controller knows, so retention can drop older entries without losing a pause or a firing alert.</summary>
public sealed record SnapshotTaken(StateSnapshot State) : JournalEntry;
