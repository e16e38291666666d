using PretixOps.Contracts;

namespace PretixOps.Scaler.Journal;

/// <summary>A recorded decision: the decision, the rule that made it, its place in the journal, and how often it repeated since.</summary>
public sealed record DecisionView(ScaleDecisionRecorded Decision, string Code, string? RequestId, long Offset, int Repeats, DateTimeOffset? LastRepeatAt)
{
    /// <summary>As the API writes it.</summary>
    public RecordedDecision Recorded() =>
        new(Decision.DecisionId, Decision.Service, Decision.From, Decision.To, Decision.Outcome, Decision.Reason, Decision.Trigger, Decision.At,
            Decision.TriggerKey, Decision.Inputs, Code, Repeats, LastRepeatAt);
}
