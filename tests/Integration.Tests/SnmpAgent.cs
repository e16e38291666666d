using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PretixOps.Snmp;

namespace PretixOps.Integration.Tests;

/// <summary>
/// A Debian snmpd the test starts for itself, on a free UDP port, with a configuration written here: a v2c
/// community and one SNMPv3 user per protocol pair. Stopping it is how a test makes an agent go dark.
/// </summary>
internal sealed class SnmpAgent : IAsyncDisposable
{
    public const string Community = "itest-community";
    public const string AuthPassword = "authpass-0123";
    public const string PrivPassword = "privpass-0123";

    /// <summary>user, net-snmp auth, net-snmp priv, level.</summary>
    public static readonly (string User, string Auth, string? Priv)[] Users =
    [
        ("sha-aes", "SHA", "AES"),
        ("md5-des", "MD5", "DES"),
        ("sha256-aes", "SHA-256", "AES"),
        ("sha-only", "SHA", null),
    ];

    private readonly string _folder;
    private Process? _process;

    private SnmpAgent(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<SnmpAgent> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("pretixops-snmpd-").FullName;
        var agent = new SnmpAgent(folder, FreeUdpPort());
        var config = new List<string>
        {
            $"agentAddress udp:127.0.0.1:{agent.Port}",
            $"rocommunity {Community} 127.0.0.1",
            "sysContact ops@pretixops.example",
            "sysLocation rack-7",
            "createUser no-auth",
            "rouser no-auth noauth",
        };
        foreach (var (user, auth, priv) in Users)
        {
            config.Add(priv is null
                ? $"createUser {user} {auth} \"{AuthPassword}\""
                : $"createUser {user} {auth} \"{AuthPassword}\" {priv} \"{PrivPassword}\"");
            config.Add($"rouser {user} {(priv is null ? "auth" : "priv")}");
        }
        await File.WriteAllLinesAsync(Path.Combine(folder, "snmpd.conf"), config);
        await agent.StartProcessAsync();
        return agent;
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM: snmpd saves its persistent state (the boot counter among it) on the way out.
            var term = await Cli.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(0, term.ExitCode);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Stops and starts the agent on the same port and persistent folder: same engine id, boots + 1.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_folder, recursive: true);
    }

    public SnmpTarget V2c(double timeoutSeconds = 2) =>
        new(EndPoint) { Community = Community, Timeout = TimeSpan.FromSeconds(timeoutSeconds), Retries = 1 };

    public SnmpTarget V3(UsmUser user, double timeoutSeconds = 2) =>
        new(EndPoint) { Version = SnmpVersion.V3, User = user, Timeout = TimeSpan.FromSeconds(timeoutSeconds), Retries = 0 };

    /// <summary>net-snmp's own tool against this agent: numeric OIDs, no MIBs.</summary>
    public async Task<IReadOnlyList<string>> NetSnmpAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["MIBS"] = "";
        start.Environment["MIBDIRS"] = "/nonexistent";
        foreach (var argument in (string[])["-On", "-v2c", "-c", Community, Address, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("snmpd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Only this folder's snmpd.conf and the persistent one beside it (engine id and boot counter survive a
        // restart); -C would skip the persistent file too.
        start.Environment["SNMP_PERSISTENT_DIR"] = Path.Combine(_folder, "persist");
        start.Environment["SNMPCONFPATH"] = $"{_folder}:{Path.Combine(_folder, "persist")}";
        start.Environment["MIBS"] = "";
        start.Environment["MIBDIRS"] = "/nonexistent";
        // -f: stay in the foreground, so the process we hold is the agent.
        foreach (var argument in (string[])["-f", "-Lf", Path.Combine(_folder, "snmpd.log")])
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("snmpd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await using var client = new SnmpClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.GetAsync(V2c(timeoutSeconds: 0.5), [Oid.Parse("1.3.6.1.2.1.1.3.0")]);
                return;
            }
            catch (SnmpTimeoutException) when (attempt < 60 && !_process.HasExited)
            {
            }
            catch (SnmpTimeoutException)
            {
                var log = Path.Combine(_folder, "snmpd.log");
                throw new InvalidOperationException($"snmpd did not answer on {Address}: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)")}");
            }
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
