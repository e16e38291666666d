using PretixOps.Contracts;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// A decision. An <paramref name="Intent"/> is about to be applied to Docker and becomes a decision only with its
/// <see cref="DecisionApplied"/>; any other is final at once. <paramref name="Epoch"/> (null for decisions that touch
/// nothing, made on intake) fences a leader that lost its lock without knowing. <paramref name="Supersedes"/> carries
/// the repeats counted for the service's previous decision.
/// </summary>
public sealed record DecisionMade(
    long? Epoch, ScaleDecisionRecorded Decision, string Code, string? RequestId, bool Intent, RepeatCount? Supersedes = null) : JournalEntry;
