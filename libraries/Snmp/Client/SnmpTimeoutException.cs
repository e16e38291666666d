namespace PretixOps.Snmp;

/// <summary>No valid answer within the timeout, after every retry.</summary>
public sealed class SnmpTimeoutException(SnmpTarget target, int attempts) : SnmpException("timeout",
    $"no answer from {target} after {attempts} attempt(s) of {target.Timeout.TotalSeconds:0.###} s each" +
    (target.User?.Priv is PrivProtocol.Des or PrivProtocol.Aes128
        ? "; with SNMPv3 privacy a wrong privacy password also looks like this: the agent cannot decrypt and stays silent."
        : "."));
