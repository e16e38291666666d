using System.Diagnostics;
using System.Net;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>A real Alertmanager (Debian's) with a configuration written by the test, on a free port, gossip off.</summary>
internal sealed class AlertmanagerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private AlertmanagerProcess(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<AlertmanagerProcess> StartAsync(string configuration)
    {
        var folder = Directory.CreateTempSubdirectory("pretixops-alertmanager-").FullName;
        var config = Path.Combine(folder, "alertmanager.yml");
        await File.WriteAllTextAsync(config, configuration);
        var check = await Cli.RunAsync("amtool", ["check-config", config]);
        Assert.True(check.ExitCode == 0, check.Output);

        var port = Ports.Free();
        var process = ServerProcesses.Start("prometheus-alertmanager", new[]
        {
            $"--config.file={config}", $"--storage.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
        });
        var alertmanager = new AlertmanagerProcess(process, folder, new Uri($"http://127.0.0.1:{port}/"));
        using var http = new HttpClient { BaseAddress = alertmanager.Address };
        Assert.Equal(HttpStatusCode.OK, await Eventually.StatusAsync(http, "-/ready", HttpStatusCode.OK));
        return alertmanager;
    }

    /// <summary><c>amtool alert add</c>, as an operator or a test would inject an alert.</summary>
    public async Task AddAlertAsync(IEnumerable<string> labels, DateTimeOffset? start = null, DateTimeOffset? end = null)
    {
        var args = new List<string> { "alert", "add", $"--alertmanager.url={Address}" };
        args.AddRange(labels);
        if (start is { } s)
        {
            args.Add($"--start={s.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }

        if (end is { } e)
        {
            args.Add($"--end={e.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }

        var result = await Cli.RunAsync("amtool", args);
        Assert.True(result.ExitCode == 0, result.Output);
    }

    public async ValueTask DisposeAsync()
    {
        await ServerProcesses.StopAsync(_process, _folder);
    }
}
