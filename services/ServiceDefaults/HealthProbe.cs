using Microsoft.Extensions.Configuration;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// <c>SERVICE --healthcheck</c>: asks the running service's liveness endpoint and exits 0 or 1. Container
/// health checks use it, so images need no curl or wget.
/// </summary>
internal static class HealthProbe
{
    public const string Flag = "--healthcheck";

    public static async Task<int> RunAsync(string[] args, ServiceInfo service)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a != Flag).ToArray())
            .Build();
        var live = new Uri(ServiceUrls.LocalBase(ServiceUrls.Resolve(configuration, service)), "healthz/live");
        using var handler = new HttpClientHandler();
        if (configuration[$"{TlsOptions.Section}:{nameof(TlsOptions.CertificateFile)}"] is { Length: > 0 } file)
        {
            // Over loopback the certificate's name (the service's public one) cannot match 127.0.0.1: the probe trusts
            // exactly the certificate the service is configured to serve, and nothing else.
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && IsServed(certificate, file);
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(live);
            await Console.Out.WriteLineAsync($"{live} {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{live} unreachable: {ex.Message}");
            return 1;
        }
    }

    private static bool IsServed(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string file)
    {
        try
        {
            using var served = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(file);
            return served.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
