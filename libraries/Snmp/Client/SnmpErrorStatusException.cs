namespace PretixOps.Snmp;

/// <summary>The agent answered with an error-status.</summary>
public sealed class SnmpErrorStatusException(SnmpErrorStatus status, int index, SnmpTarget target)
    : SnmpException("error_status", $"{target} answered {status} (error-index {index}).")
{
    public SnmpErrorStatus Status { get; } = status;

    public int Index { get; } = index;
}
