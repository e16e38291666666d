using PretixOps.Contracts;

namespace PretixOps.Scaler.Control;

/// <summary>A decision not to change, worth recording once: a cooldown, the stabilization window, a failing metric source.</summary>
internal sealed record Refusal(ScaleOutcome Outcome, string Code, string Reason, string Trigger);
