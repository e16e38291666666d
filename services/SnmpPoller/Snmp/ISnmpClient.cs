using System.Net;

namespace PretixOps.SnmpPoller.Snmp;

/// <summary>
/// The seam between polling and the wire: SNMP GET, GETNEXT and GETBULK against one agent. Walks are built
/// on GETBULK (<see cref="SnmpWalk"/>), so a fake of this interface can play any agent, buggy ones included.
/// </summary>
public interface ISnmpClient
{
    Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
        CancellationToken cancellationToken = default);
}

/// <summary>Where and how to reach one agent.</summary>
public sealed record SnmpTarget(IPEndPoint EndPoint)
{
    public SnmpVersion Version { get; init; } = SnmpVersion.V2c;

    /// <summary>The v2c community; a secret.</summary>
    public string Community { get; init; } = "public";

    /// <summary>The v3 user; required for <see cref="SnmpVersion.V3"/>.</summary>
    public UsmUser? User { get; init; }

    /// <summary>The v3 context name; empty is the default context.</summary>
    public string ContextName { get; init; } = "";

    /// <summary>How long one attempt waits for its answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts after the first before a request fails with a timeout.</summary>
    public int Retries { get; init; } = 1;

    /// <summary>GETBULK max-repetitions for walks.</summary>
    public int MaxRepetitions { get; init; } = 25;

    public override string ToString() => $"{EndPoint} (SNMP{(Version == SnmpVersion.V3 ? "v3 " + User?.Name : "v2c")})";
}

/// <summary>
/// A request failed. <see cref="Reason"/> is a short label value for <c>snmp_poll_errors_total{reason}</c>;
/// the message says what an operator should check.
/// </summary>
public class SnmpException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>No valid answer within the timeout, after every retry.</summary>
public sealed class SnmpTimeoutException(SnmpTarget target, int attempts) : SnmpException("timeout",
    $"no answer from {target} after {attempts} attempt(s) of {target.Timeout.TotalSeconds:0.###} s each" +
    (target.User?.Priv is PrivProtocol.Des or PrivProtocol.Aes128
        ? "; with SNMPv3 privacy a wrong privacy password also looks like this: the agent cannot decrypt and stays silent."
        : "."));

/// <summary>The agent answered with an error-status.</summary>
public sealed class SnmpErrorStatusException(SnmpErrorStatus status, int index, SnmpTarget target)
    : SnmpException("error_status", $"{target} answered {status} (error-index {index}).")
{
    public SnmpErrorStatus Status { get; } = status;

    public int Index { get; } = index;
}
