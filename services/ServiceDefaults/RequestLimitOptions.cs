using System.ComponentModel.DataAnnotations;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>Limits</c> section, the same for every service: how large a request body may be, how deep its JSON, and how
/// many requests that change state (every method but GET, HEAD, OPTIONS and TRACE) one credential and one source
/// address may make. A rate of 0 turns that limit off (a load test); the defaults are far above what a workload's
/// renewals, an Alertmanager or an operator send.
/// </summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Limits";

    /// <summary>The nesting depth a JSON body may have: far deeper than any PretixOps message, far shallower than a parser's stack.</summary>
    public const int JsonMaxDepth = 32;

    /// <summary>Kestrel's limit for every request body; an endpoint may hold its own bodies to less (<see cref="JsonBody"/>).</summary>
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Requests that change state per credential per minute (a bucket this deep, refilled evenly).</summary>
    [Range(0, 1_000_000)]
    public int PerCredentialPerMinute { get; set; } = 600;

    /// <summary>Requests that change state per source address per minute, whatever credential they carry.</summary>
    [Range(0, 1_000_000)]
    public int PerAddressPerMinute { get; set; } = 1200;
}
