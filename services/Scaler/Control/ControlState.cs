namespace PretixOps.Scaler.Control;

/// <summary>
/// The runtime controls recorded for a service: null where none was ever set (the policy's <c>Paused</c> and
/// <c>DryRun</c> then apply). <paramref name="PauseReplicas"/>: paused at this count rather than where it was.
/// <paramref name="By"/>, <paramref name="Reason"/>, <paramref name="At"/>: who paused or resumed it last, why, when;
/// the <c>DryRun…</c> ones the same for dry run, each kept apart so one control does not take the other's author.
/// </summary>
public sealed record ControlState(
    bool? Paused, int? PauseReplicas, bool? DryRun, string? By, string? Reason, DateTimeOffset? At,
    string? DryRunBy = null, string? DryRunReason = null, DateTimeOffset? DryRunAt = null)
{
    public static readonly ControlState None = new(null, null, null, null, null, null);
}
