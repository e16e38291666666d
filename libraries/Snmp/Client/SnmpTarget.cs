using System.Net;

namespace PretixOps.Snmp;

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
