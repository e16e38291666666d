using PretixOps.Contracts;

namespace PretixOps.Opsctl.Control;

/// <summary>An operator's scale request answered: the recorded decision, or only that it was taken.</summary>
public sealed record ScaleAnswer(Answer<RecordedDecision>? Decision, Answer<ScaleRequestTaken>? Requested);
