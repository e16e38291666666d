using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PretixOps.Benchmarks;

/// <summary>Processes, ports and the local infrastructure, as the benchmarks use them.</summary>
internal static class Machine
{
    public static string Root { get; } = FindRoot();

    public static IReadOnlyDictionary<string, string> Infra { get; } = LoadInfra();

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
        var port = FreePort();
        settings["Messaging__Host"] = Infra["PRETIXOPS_RABBITMQ_HOST"];
        settings["Messaging__Port"] = Infra["PRETIXOPS_RABBITMQ_PORT"];
        settings["Messaging__Username"] = Infra["PRETIXOPS_RABBITMQ_USER"];
        settings["Messaging__PasswordFile"] = Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"];
        var dll = Path.Combine(Root, "services", project, "bin", "Release", "net10.0", $"PretixOps.{project}.dll");
        var process = Start("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"], settings);
        var address = new Uri($"http://127.0.0.1:{port}/");
        await WaitReadyAsync(address);
        return (process, address);
    }

    public static async Task WaitReadyAsync(Uri address, string path = "healthz/ready")
    {
        using var http = new HttpClient();
        for (var i = 0; i < 600; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, path));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{address} did not become ready");
    }

    /// <summary>Peak resident memory (VmHWM) of a process, in MiB.</summary>
    public static double PeakMemoryMiB(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
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
