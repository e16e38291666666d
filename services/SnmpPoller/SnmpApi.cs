using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.SnmpPoller;

/// <summary>
/// <c>GET /snmp?target=HOST[:PORT]&amp;module=host[&amp;auth=NAME]</c>: polls one agent now and answers with its
/// metrics, as snmp_exporter's endpoint does, so a Prometheus job written for snmp_exporter works with only its
/// address changed (and a bearer token added). Unlike snmp_exporter it is no open proxy: it takes a credential with
/// the role <c>read</c> (what it answers is metrics, which <c>read</c> covers), and it asks only agents it already
/// knows, the configured hosts and the nodes of registrations, by name or address and port, so nobody can make it
/// send the community to a host of their choosing. <c>OnDemandAllowedNetworks</c> narrows that further.
/// A poll that fails still answers 200, with <c>snmp_up 0</c> and the error as a comment.
/// </summary>
public static class SnmpApi
{
    /// <summary>The name of the rule a refused target broke, in the problem's <c>rule</c> member.</summary>
    public const string KnownHostsRule = "known-hosts-only";

    public static IEndpointRouteBuilder MapSnmpApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/snmp", PollAsync).RequireRole(Roles.Read);
        return app;
    }

    private static async Task<IResult> PollAsync(
        string? target, string? module, string? auth,
        HostPoller poller, HostDirectory directory, SnmpCredentials credentials, IOptions<SnmpPollerOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TryParseTarget(target, out var host, out var port))
        {
            errors["target"] = ["must be HOST or HOST:PORT ([IPv6]:PORT), for example 10.0.0.5 or node-1:161."];
        }
        if (module is not null && module != HostModule.Name)
        {
            errors["module"] = [$"'{module}' is not a module; the one module is '{HostModule.Name}'."];
        }
        if (auth is not null && !credentials.Contains(auth))
        {
            errors["auth"] = [$"'{auth}' is not in SnmpPoller:Auths."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        if (directory.Find(host!, port) is not { } known)
        {
            RejectedRequests.Count("unknown_snmp_target");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                $"'{target}' is neither in SnmpPoller:Hosts nor the node of a registered instance (on port " +
                $"{options.Value.Discovery.Port}): /snmp polls only known hosts.",
                new Dictionary<string, object?> { ["rule"] = KnownHostsRule });
        }
        var agent = known.Address;
        var allowed = Networks.Parse(options.Value.OnDemandAllowedNetworks);
        if (allowed.Count > 0)
        {
            IPAddress address;
            try
            {
                address = await HostPoller.ResolveAsync(agent, cancellationToken);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return Problems.Validation(new Dictionary<string, string[]> { ["target"] = [$"'{host}' does not resolve."] });
            }
            if (!Networks.Contains(allowed, address))
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                    $"{address} is outside SnmpPoller:OnDemandAllowedNetworks.");
            }
            // The address just checked is the one polled: one lookup, and no second answer that could differ.
            agent = address.ToString();
        }
        var report = await poller.PollAsync(null, agent, port, auth ?? known.Auth, cancellationToken);
        var text = new StringBuilder(4096);
        MetricsText.Write(text, [report]);
        return Results.Text(text.ToString(), MetricsText.ContentType, Encoding.UTF8);
    }

    /// <summary>HOST, HOST:PORT, an IPv6 literal, or [IPv6]:PORT; the port defaults to 161.</summary>
    public static bool TryParseTarget(string? target, out string? host, out int port)
    {
        host = null;
        port = 161;
        if (string.IsNullOrWhiteSpace(target) || target.Length > 260)
        {
            return false;
        }
        string? portText = null;
        if (target.StartsWith('['))
        {
            var close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }
            host = target[1..close];
            var rest = target[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                portText = rest[1..];
            }
            if (!IPAddress.TryParse(host, out _))
            {
                return false;
            }
        }
        else if (target.Count(c => c == ':') == 1)
        {
            var colon = target.IndexOf(':', StringComparison.Ordinal);
            host = target[..colon];
            portText = target[(colon + 1)..];
        }
        else
        {
            host = target;
        }
        if (portText is not null &&
            (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }
        // A registration's address rule: a host name, a dotted quad, or IPv6; no shorthand IPv4 that names another host.
        return RegisterInstanceRules.NormalAddress(host) is not null;
    }
}
