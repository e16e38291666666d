using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>A real Prometheus (Debian's) with a configuration written by the test, on a free port.</summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private PrometheusProcess(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Http { get; }

    public Uri Address => Http.BaseAddress!;

    /// <summary>
    /// <paramref name="more"/>: further top-level configuration, such as <c>rule_files</c> and <c>alerting</c>.
    /// <paramref name="port"/> given again brings a stopped Prometheus back where its clients expect it.
    /// </summary>
    public static async Task<PrometheusProcess> StartAsync(string scrapeConfigs, string more = "", int? port = null)
    {
        var folder = Directory.CreateTempSubdirectory("pretixops-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
            {scrapeConfigs}
            {more}
            """);
        var listen = port ?? Ports.Free();
        var process = ServerProcesses.Start(Infrastructure.PrometheusBinary, new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{listen}",
        });
        var prometheus = new PrometheusProcess(process, folder, new Uri($"http://127.0.0.1:{listen}/"));
        var ready = await Eventually.StatusAsync(prometheus.Http, "-/ready", HttpStatusCode.OK);
        Assert.True(ready == HttpStatusCode.OK, $"Prometheus did not become ready with:\n{await File.ReadAllTextAsync(config)}");
        return prometheus;
    }

    /// <summary>The active targets of one scrape pool, as <c>/api/v1/targets</c> shows them: instance_id and health.</summary>
    public async Task<IReadOnlyList<(string InstanceId, string Health)>> TargetsAsync(string pool)
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri("api/v1/targets?state=active", UriKind.Relative)));
        return [.. json.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("scrapePool").GetString() == pool)
            .Select(t => (
                t.GetProperty("labels").TryGetProperty("instance_id", out var id) ? id.GetString() ?? "" : "",
                t.GetProperty("health").GetString() ?? ""))];
    }

    /// <summary>The first value of an instant query, or null when it has no result.</summary>
    public async Task<double?> ScalarAsync(string query)
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative)));
        var result = json.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await ServerProcesses.StopAsync(_process, _folder);
    }
}
