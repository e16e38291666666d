using System.ComponentModel.DataAnnotations;
using PretixOps.Contracts.Rules;

namespace PretixOps.Registration;

/// <summary>
/// The report's own registration, <c>POST /service</c> with <c>{"service":"pretix_web.3"}</c>: no token (the
/// report's entrypoints send none), so it is accepted only from the networks listed here.
/// </summary>
public sealed class ReportFormatOptions
{
    /// <summary>Default: loopback only. In a swarm, list the overlay networks the workloads are on.</summary>
    public List<string> AllowedNetworks { get; set; } = ["127.0.0.0/8", "::1/128"];

    [Range(0, RegisterInstanceRules.MaxTtlSeconds)]
    public int TtlSeconds { get; set; } = 90;

    /// <summary>Service name to the exporters its containers serve (the report's map of ports).</summary>
    public Dictionary<string, List<ReportExporter>> Exporters { get; set; } = [];
}
