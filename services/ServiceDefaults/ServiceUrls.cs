using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Where a service listens: the standard <c>urls</c> setting (<c>--urls</c>, <c>ASPNETCORE_URLS</c>) when
/// given, else every interface on the service's own default port, over HTTPS when a certificate is configured
/// (<see cref="TlsOptions"/>).
/// </summary>
public static class ServiceUrls
{
    public static string Resolve(IConfiguration configuration, ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(service);
        var configured = configuration[WebHostDefaults.ServerUrlsKey];
        return string.IsNullOrWhiteSpace(configured)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{(TlsOptions.IsConfigured(configuration) ? "https" : "http")}://+:{service.DefaultPort}")
            : configured;
    }

    /// <summary>The first plain <c>http://</c> URL that listens on more than loopback, or null.</summary>
    public static string? PlainOffLoopback(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(url));
    }

    private static bool IsLoopback(string url)
    {
        var authority = url["http://".Length..].Split('/')[0];
        var host = authority.StartsWith('[') ? authority[..(authority.IndexOf(']', StringComparison.Ordinal) + 1)] : authority.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
    }

    /// <summary>The first listening URL as a local client reaches it (wildcard hosts become loopback).</summary>
    public static Uri LocalBase(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        foreach (var wildcard in new[] { "://+:", "://*:", "://0.0.0.0:", "://[::]:" })
        {
            first = first.Replace(wildcard, "://127.0.0.1:", StringComparison.Ordinal);
        }

        return new Uri(first.TrimEnd('/') + "/");
    }
}
