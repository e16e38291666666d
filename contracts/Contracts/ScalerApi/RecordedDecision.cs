namespace PretixOps.Contracts;

/// <summary>
/// A recorded decision as <c>GET /v1/decisions</c> and <c>POST /v1/services/{name}/scale</c> write it: the message's
/// fields, the rule that decided (<see cref="Code"/>), and how often the same decision was reached again since
/// (repeats are counted, not recorded line by line).
/// </summary>
public sealed record RecordedDecision(
    Guid DecisionId, string Service, int From, int To, ScaleOutcome Outcome, string Reason, string Trigger, DateTimeOffset At,
    string? TriggerKey, DecisionInputs? Inputs, string Code, int Repeats, DateTimeOffset? LastRepeatAt);
