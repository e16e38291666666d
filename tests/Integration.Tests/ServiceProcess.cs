using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// A PretixOps service run as its own process from its build output, exactly as `make up` runs it, on a
/// free loopback port.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    public static readonly string Configuration =
        typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The shared bearer token every service started here accepts (at Registration, the credential <see cref="WorkloadsName"/>).</summary>
    public const string Token = "itest-token-0123456789abcdef";

    /// <summary>A named credential with the role operate: what pause, resume, dry run and scale take, and the name records show.</summary>
    public const string OperatorToken = "itest-operator-0123456789abcdef";

    public const string OperatorName = "itest-operator";

    /// <summary>What <see cref="Token"/> is at Registration: a credential that registers anything, anywhere.</summary>
    public const string WorkloadsName = "itest-workloads";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private string? _queue;

    private ServiceProcess(string project, Process process, Uri baseAddress, string folder)
    {
        Project = project;
        Folder = folder;
        _process = process;
        BaseAddress = baseAddress;
        // Over HTTPS (a test gave Tls__CertificateFile: the local CA's server certificate) the client trusts that CA alone.
        var handler = new SocketsHttpHandler();
        if (baseAddress.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = PretixOps.Tls.CertificateAuthority.Load(Infrastructure.TlsCaFile).Callback(_ => { });
        }

        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
    }

    public string Project { get; }

    /// <summary>A fresh folder of this process's own; DiscoveryWriter's output and state are in it unless overridden.</summary>
    public string Folder { get; }
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>The JSON log lines (CLEF) written so far, each with the trace it was written in.</summary>
    public IReadOnlyList<LogEvent> LogEvents => [.. Output.Select(LogEvent.TryParse).OfType<LogEvent>()];

    /// <summary>
    /// Starts <paramref name="project"/> wired to the local broker; <paramref name="overrides"/> win (a null removes a setting).
    /// A <paramref name="port"/> given again brings a restarted service back where its callers expect it.
    /// </summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string?>? overrides = null, int? port = null)
    {
        var dll = RepositoryPaths.Combine("services", project, "bin", Configuration, "net10.0", $"PretixOps.{project}.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        }

        var listen = port ?? Ports.Free();
        var scheme = overrides?.GetValueOrDefault("Tls__CertificateFile") is null ? "http" : "https";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"{scheme}://127.0.0.1:{listen}");
        var folder = Directory.CreateTempSubdirectory($"pretixops-{project}-").FullName;
        foreach (var (key, value) in Infrastructure.MessagingEnvironment())
        {
            start.Environment[key] = value;
        }

        if (project == "Registration")
        {
            // Registering takes a named credential with the role register: at Registration the test token is one that
            // may register any service at any address (RegistrationCredentialsTests holds narrower ones to their scope).
            start.Environment["Auth__Credentials__1__Name"] = WorkloadsName;
            start.Environment["Auth__Credentials__1__Token"] = Token;
            start.Environment["Auth__Credentials__1__Roles__0"] = "read";
            start.Environment["Auth__Credentials__1__Roles__1"] = "register";
            start.Environment["Auth__Credentials__1__Roles__2"] = "register-any-address";
            start.Environment["Auth__Credentials__1__Services__0"] = "*";
        }
        else
        {
            start.Environment["Auth__Tokens__0"] = Token;
        }

        // Floods of registrations and alerts from one address are what many of these tests send; the limits themselves
        // are tested where they are turned on (RequestLimitsTests, RegistrationCredentialsTests).
        start.Environment["Limits__PerCredentialPerMinute"] = "0";
        start.Environment["Limits__PerAddressPerMinute"] = "0";
        start.Environment["Auth__Credentials__0__Name"] = OperatorName;
        start.Environment["Auth__Credentials__0__Token"] = OperatorToken;
        start.Environment["Auth__Credentials__0__Roles__0"] = "read";
        start.Environment["Auth__Credentials__0__Roles__1"] = "operate";
        foreach (var endpoint in new[] { "Alertmanager", "Grafana", "GrafanaLegacy" })
        {
            start.Environment[$"AlertIngest__{endpoint}__Tokens__0"] = Token;
        }

        start.Environment["DiscoveryWriter__OutputDirectory"] = Path.Combine(folder, "sd");
        start.Environment["DiscoveryWriter__StateDirectory"] = Path.Combine(folder, "state");
        start.Environment["DiscoveryWriter__InstanceName"] = $"itest-{listen}";
        // Each Scaler its own journal unless a test makes replicas share one; a restart on the same port finds its own again.
        start.Environment["Scaler__Journal__Stream"] = $"scaler-journal-itest-{listen}";
        start.Environment["Scaler__DockerHost"] = Infrastructure.DockerHost;
        start.Environment["Scaler__InstanceName"] = $"itest-{listen}";
        start.Environment["SnmpPoller__InstanceName"] = $"itest-{listen}";

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(project, process, new Uri($"{scheme}://127.0.0.1:{listen}/"), folder);
        process.OutputDataReceived += (_, e) => service.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => service.Capture(e.Data);
        service._queue = project switch
        {
            "Scaler" => start.Environment["Scaler__Journal__Stream"],
            "SnmpPoller" => "snmp-poller-" + start.Environment["SnmpPoller__InstanceName"],
            _ => "discovery-writer-" + start.Environment["DiscoveryWriter__InstanceName"],
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>SIGKILL: no shutdown, no flush, as a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as `docker stop` and a swarm update send it; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        var kill = await Cli.RunAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, kill.ExitCode);
        return await WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(bound.Token);
        // The asynchronous readers finish after the exit: wait for them so Output is complete.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public Task<HttpStatusCode> StatusWhenAsync(string path, HttpStatusCode wanted) =>
        Eventually.StatusAsync(Http, path, wanted);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
        if (Project is "DiscoveryWriter" or "Scaler" or "SnmpPoller" && _queue is not null)
        {
            // Each test replica of these has a durable queue (the Scaler: a journal stream) of its own; leave none behind in the shared broker.
            await Infrastructure.DeleteQueueAsync(_queue);
        }
    }

    public override string ToString() => $"{Project} (pid {Pid}) at {BaseAddress}:\n{string.Join('\n', Output.TakeLast(30))}";

    private void Capture(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
