using System.Net;
using Microsoft.Extensions.Options;
using PretixOps.ServiceDefaults;
using PretixOps.Snmp;

namespace PretixOps.SnmpPoller;

/// <summary>
/// The configured credentials, ready for the wire: secrets read once from their files, and each v3 user's master
/// keys derived once (a megabyte of hashing per password), not per poll.
/// </summary>
public sealed class SnmpCredentials
{
    private readonly Dictionary<string, SnmpTarget> _templates = new(StringComparer.Ordinal);

    public SnmpCredentials(IOptions<SnmpPollerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        var template = new SnmpTarget(new IPEndPoint(IPAddress.Loopback, 161))
        {
            Timeout = settings.Timeout,
            Retries = settings.Retries,
            MaxRepetitions = settings.MaxRepetitions,
        };
        _templates[SnmpPollerOptions.DefaultAuth] = template;
        foreach (var (name, auth) in settings.Auths)
        {
            _templates[name] = auth.Version == "3"
                ? template with
                {
                    Version = SnmpVersion.V3,
                    User = new UsmUser(auth.Username!,
                        SnmpAuthOptions.ParseAuth(auth.AuthProtocol) ?? AuthProtocol.None,
                        Secrets.Resolve(auth.AuthPassword, auth.AuthPasswordFile),
                        SnmpAuthOptions.ParsePriv(auth.PrivProtocol) ?? PrivProtocol.None,
                        Secrets.Resolve(auth.PrivPassword, auth.PrivPasswordFile)),
                    ContextName = auth.ContextName,
                }
                : template with { Community = Secrets.Resolve(auth.Community, auth.CommunityFile) ?? "" };
        }
    }

    public bool Contains(string name) => _templates.ContainsKey(name);

    /// <summary>The request settings for an agent at <paramref name="endPoint"/> with the named credentials.</summary>
    public SnmpTarget For(string auth, IPEndPoint endPoint) =>
        _templates.TryGetValue(auth, out var template)
            ? template with { EndPoint = endPoint }
            : throw new KeyNotFoundException($"no SNMP credentials named '{auth}'.");
}
