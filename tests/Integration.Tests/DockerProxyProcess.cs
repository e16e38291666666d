using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Docker.DotNet;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// Debian's haproxy with the stack's own deploy/docker-proxy/haproxy.cfg, unchanged, on a free loopback port and in
/// front of the local dockerd's socket (the two settings the file takes from the environment).
/// </summary>
internal sealed partial class DockerProxyProcess : IAsyncDisposable
{
    public const string Binary = "haproxy";

    public static readonly string Config = RepositoryPaths.Combine("deploy", "docker-proxy", "haproxy.cfg");

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private DockerProxyProcess(Process process, int port)
    {
        _process = process;
        Address = new Uri($"tcp://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Where a client reaches the proxy, as the stack's DOCKER_HOST names it (tcp://).</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    /// <summary>The settings the file reads from the environment: what the stack sets by default, pointed at the test dockerd.</summary>
    public static Dictionary<string, string?> Environment(int port) => new()
    {
        ["DOCKER_PROXY_BIND"] = $"127.0.0.1:{port}",
        ["DOCKER_SOCKET"] = new Uri(Infrastructure.DockerHost).LocalPath,
    };

    /// <summary>Every request the proxy has logged so far: method, path (with its query) and the status it answered.</summary>
    public IReadOnlyList<(string Method, string Path, int Status)> Requests =>
        [.. _log.Select(line => RequestLine().Match(line)).Where(m => m.Success)
            .Select(m => (m.Groups["method"].Value, m.Groups["path"].Value, int.Parse(m.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture)))];

    public string Log => string.Join('\n', _log);

    public static async Task<DockerProxyProcess> StartAsync()
    {
        var port = Ports.Free();
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // -db: in the foreground, logging to stdout, as in the container.
        foreach (var arg in new[] { "-db", "-f", Config })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in Environment(port))
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start");
        }
        catch (Win32Exception e)
        {
            // Never a skip: CI and a developer alike get the package to install.
            throw new InvalidOperationException($"{Binary} is not installed: `apt-get install haproxy` (deploy/local/infra.sh install does).", e);
        }

        var proxy = new DockerProxyProcess(process, port);
        using var docker = proxy.Client();
        var answered = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    await docker.System.PingAsync();
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet, or exited: the log below says which
                }
            },
            up => up || process.HasExited);
        Assert.True(answered && !process.HasExited, $"haproxy did not answer on {proxy.Address}:\n{proxy.Log}");
        return proxy;
    }

    /// <summary>A Docker.DotNet client through the proxy; <paramref name="version"/> puts /vX.YZ in front of every path.</summary>
    public DockerClient Client(System.Version? version = null) => new DockerClientConfiguration(Address).CreateClient(version);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }

    // option httplog: `... 0/0/0/0/0 200 254 - - ---- 1/1/0/0/0 0/0 "GET /services HTTP/1.1"`.
    [GeneratedRegex("""\s(?<status>\d{3})\s.*"(?<method>[A-Z]+) (?<path>\S+) HTTP/[0-9.]+"$""")]
    private static partial Regex RequestLine();
}
