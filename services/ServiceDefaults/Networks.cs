using System.Net;

namespace PretixOps.ServiceDefaults;

public static class Networks
{
    public static IReadOnlyList<IPNetwork> Parse(IEnumerable<string> cidrs) => [.. cidrs.Select(c => IPNetwork.Parse(c.Trim()))];

    /// <summary>Whether <paramref name="address"/> is in one of <paramref name="networks"/>; an IPv4 client seen as ::ffff:a.b.c.d counts as a.b.c.d.</summary>
    public static bool Contains(IReadOnlyList<IPNetwork> networks, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (address is null)
        {
            return false;
        }

        var normal = Normalize(address);
        return networks.Any(n => n.Contains(normal));
    }

    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
