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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
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
}
