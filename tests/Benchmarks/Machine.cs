using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PretixOps.Benchmarks;

/// <summary>Processes, ports and the local infrastructure, as the benchmarks use them.</summary>
internal static class Machine
{
    public static string Root { get; } = FindRoot();

    private static readonly Lazy<Dictionary<string, string>> LoadedInfra = new(LoadInfra);

    /// <summary>Read on first use: the snmp benchmark runs without the local infrastructure.</summary>
    public static IReadOnlyDictionary<string, string> Infra => LoadedInfra.Value;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Process Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Starts a built PretixOps service (Release) on a free port and waits until it is ready.</summary>
    public static async Task<(Process Process, Uri Address)> StartServiceAsync(string project, Dictionary<string, string> settings)
    {
        settings["Messaging__Host"] = Infra["PRETIXOPS_RABBITMQ_HOST"];
        settings["Messaging__Port"] = Infra["PRETIXOPS_RABBITMQ_PORT"];
        settings["Messaging__Username"] = Infra["PRETIXOPS_RABBITMQ_USER"];
        settings["Messaging__PasswordFile"] = Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"];
        return await LaunchServiceAsync(project, settings, "healthz/ready");
    }

    /// <summary>
    /// Starts a built service whose measured work needs no bus, pointed at a port where no broker listens: it is
    /// live but never ready, and its bus retries in the background (idle, that costs no measurable CPU).
    /// </summary>
    public static Task<(Process Process, Uri Address)> StartServiceWithoutBrokerAsync(string project, Dictionary<string, string> settings)
    {
        settings["Messaging__Host"] = "127.0.0.1";
        settings["Messaging__Port"] = "1";
        settings["Messaging__Password"] = "unused";
        return LaunchServiceAsync(project, settings, "healthz/live");
    }

    private static async Task<(Process Process, Uri Address)> LaunchServiceAsync(string project, Dictionary<string, string> settings, string readyPath)
    {
        var port = FreePort();
        // A benchmark's load comes from one address and one credential, far beyond any rate a stack would allow.
        settings.TryAdd("Limits__PerCredentialPerMinute", "0");
        settings.TryAdd("Limits__PerAddressPerMinute", "0");
        var dll = Path.Combine(Root, "services", project, "bin", "Release", "net10.0", $"PretixOps.{project}.dll");
        var process = Start("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"], settings);
        var address = new Uri($"http://127.0.0.1:{port}/");
        await WaitOrStopAsync(process, address, readyPath);
        return (process, address);
    }

    /// <summary>
    /// Polls every 20 ms, for up to a minute: the Scaler's start time is measured with it, and a refused connection
    /// (nothing listening yet) costs next to nothing.
    /// </summary>
    public static async Task WaitReadyAsync(Uri address, string path = "healthz/ready")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, path));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException($"{address} did not become ready");
    }

    /// <summary>Debian's Prometheus on a free port with <paramref name="configuration"/> as its prometheus.yml, once it is ready.</summary>
    public static async Task<(Process Process, Uri Address)> StartPrometheusAsync(string folder, string configuration)
    {
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, configuration);
        var address = new Uri($"http://127.0.0.1:{FreePort()}/");
        var process = Start("prometheus", [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "prometheus-data")}",
            $"--web.listen-address={address.Authority}"]);
        await WaitOrStopAsync(process, address, "-/ready");
        return (process, address);
    }

    /// <summary>Debian's Alertmanager on a free port, gossip off, with <paramref name="configuration"/> as its alertmanager.yml.</summary>
    public static async Task<(Process Process, Uri Address)> StartAlertmanagerAsync(string folder, string configuration)
    {
        var config = Path.Combine(folder, "alertmanager.yml");
        await File.WriteAllTextAsync(config, configuration);
        var address = new Uri($"http://127.0.0.1:{FreePort()}/");
        var process = Start("prometheus-alertmanager", [$"--config.file={config}", $"--storage.path={Path.Combine(folder, "alertmanager-data")}",
            $"--web.listen-address={address.Authority}", "--cluster.listen-address="]);
        await WaitOrStopAsync(process, address, "-/ready");
        return (process, address);
    }

    private static async Task WaitOrStopAsync(Process process, Uri address, string path)
    {
        try
        {
            await WaitReadyAsync(address, path);
        }
        catch (InvalidOperationException)
        {
            Stop(process);
            throw;
        }
    }

    /// <summary>Peak resident memory (VmHWM) of a process, in MiB.</summary>
    public static double PeakMemoryMiB(Process process) => StatusMiB(process, "VmHWM:");

    /// <summary>Resident memory now (VmRSS) of a process, in MiB.</summary>
    public static double MemoryMiB(Process process) => StatusMiB(process, "VmRSS:");

    /// <summary>
    /// CPU time (user + system) a process has used so far, from /proc/PID/stat. The fields after the command name
    /// are counted from its closing parenthesis, since the name itself may hold spaces; utime and stime are in clock
    /// ticks, USER_HZ, which is 100 on every Linux architecture .NET runs on.
    /// </summary>
    public static double CpuSeconds(Process process)
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime and stime, fields 14 and 15, are at 11 and 12.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>As many distinct free UDP ports on loopback: all held at once while chosen, so none repeats.</summary>
    public static IReadOnlyList<int> FreeUdpPorts(int count)
    {
        var sockets = new List<UdpClient>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                sockets.Add(new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)));
            }

            return sockets.Select(s => ((IPEndPoint)s.Client.LocalEndPoint!).Port).ToList();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>The local broker's management API, with the project's credentials.</summary>
    public static HttpClient Management()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Infra["PRETIXOPS_RABBITMQ_MGMT_PORT"]}/api/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(
            System.Text.Encoding.UTF8.GetBytes($"{Infra["PRETIXOPS_RABBITMQ_USER"]}:{File.ReadAllText(Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"]).Trim()}")));
        return http;
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static double StatusMiB(Process process, string field)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Microservices.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No Microservices.sln above the benchmark.");
    }

    private static Dictionary<string, string> LoadInfra()
    {
        var file = Path.Combine(Environment.GetEnvironmentVariable("PRETIXOPS_STATE") is { Length: > 0 } s ? s : Path.Combine(Root, ".local"), "infra.env");
        return File.ReadAllLines(file).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }
}
