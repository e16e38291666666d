using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// CIDR lists from configuration (who may call, which proxies are believed, which agents may be polled): checked
/// at start by <see cref="Validate"/> and read by <see cref="Parse"/> with the same rule, so what starts is what runs.
/// </summary>
public static class Networks
{
    /// <summary>
    /// One <see cref="ValidationResult"/> for <paramref name="setting"/> per entry that is not a CIDR, as
    /// <see cref="IPNetwork"/> reads one: surrounding spaces are refused, not trimmed.
    /// </summary>
    public static IEnumerable<ValidationResult> Validate(IEnumerable<string> cidrs, string setting, string example = "10.0.0.0/8") =>
        cidrs.Where(c => !IPNetwork.TryParse(c, out _))
            .Select(c => new ValidationResult($"'{c}' is not a CIDR such as {example}.", [setting]));

    /// <summary>Reads a list <see cref="Validate"/> found nothing wrong with.</summary>
    public static IReadOnlyList<IPNetwork> Parse(IEnumerable<string> cidrs) => [.. cidrs.Select(c => IPNetwork.Parse(c))];

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
