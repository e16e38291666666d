namespace PretixOps.Snmp;

/// <summary>
/// A request failed. <see cref="Reason"/> is one short fixed word, fit for a metric label (the poller's
/// <c>snmp_poll_errors_total{reason}</c>); the message says what an operator should check.
/// </summary>
public class SnmpException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
