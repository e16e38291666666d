namespace PretixOps.Scaler.Control;

/// <summary>
/// What one signal asks of a service: a replica count (<see cref="Wanted"/>), whether it forbids going below the
/// current count (<see cref="HoldsDown"/>), and, when a clock or a failure stopped it from asking more, the refusal
/// to record (<see cref="Note"/>).
/// </summary>
internal sealed record Proposal(int Wanted, bool HoldsDown, string Code, string Reason, string Trigger, Refusal? Note = null);
