using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>Registration and DiscoveryWriter as processes on the real broker, and what their files say.</summary>
internal sealed class Discovery : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    private Discovery(string folder) => Folder = folder;

    public string Folder { get; }
    public string OutputDirectory => Path.Combine(Folder, "sd");
    public ServiceProcess Registration => _processes.First(p => p.Project == "Registration");
    public IReadOnlyList<ServiceProcess> Writers => [.. _processes.Where(p => p.Project == "DiscoveryWriter" && !p.HasExited)];

    public static async Task<Discovery> StartAsync(IReadOnlyDictionary<string, string?>? registrationSettings = null, int writers = 1)
    {
        await Infrastructure.RequireBrokerAsync();
        var discovery = new Discovery(Directory.CreateTempSubdirectory("pretixops-discovery-").FullName);
        for (var i = 0; i < writers; i++)
        {
            discovery.StartWriter($"w{i}-{Guid.NewGuid():N}"[..12]);
        }

        discovery._processes.Add(ServiceProcess.Start("Registration", registrationSettings));
        foreach (var process in discovery._processes)
        {
            Assert.True(HttpStatusCode.OK == await process.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), process.ToString());
        }

        return discovery;
    }

    /// <summary>A DiscoveryWriter replica writing <see cref="OutputDirectory"/>, with its own state folder and queue.</summary>
    public ServiceProcess StartWriter(string instanceName)
    {
        var writer = ServiceProcess.Start("DiscoveryWriter", new Dictionary<string, string?>
        {
            ["DiscoveryWriter__OutputDirectory"] = OutputDirectory,
            ["DiscoveryWriter__StateDirectory"] = Path.Combine(Folder, "state-" + instanceName),
            ["DiscoveryWriter__InstanceName"] = instanceName,
        });
        _processes.Add(writer);
        return writer;
    }

    public static object Instance(string service, int slot, string job, int port, string address = "127.0.0.1", int ttlSeconds = 0) => new
    {
        service,
        slot,
        address,
        ttlSeconds,
        exporters = new[] { new { job, port } },
    };

    public async Task<HttpStatusCode> RegisterAsync(object instance)
    {
        try
        {
            using var response = await Registration.Http.PostAsJsonAsync(new Uri("/v1/instances", UriKind.Relative), instance);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return HttpStatusCode.RequestTimeout;
        }
    }

    /// <summary>The instance ids in a job's file_sd file, as Prometheus would read them; empty when there is no file.</summary>
    public IReadOnlyList<string> InstanceIds(string job) => InstanceIdsIn(Path.Combine(OutputDirectory, job + ".json"));

    public static IReadOnlyList<string> InstanceIdsIn(string file)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        return [.. json.RootElement.EnumerateArray().Select(g => g.GetProperty("labels").GetProperty("instance_id").GetString()!)];
    }

    public Task<IReadOnlyList<string>> InstanceIdsWhenAsync(string job, Func<IReadOnlyList<string>, bool> done) =>
        Eventually.ValueAsync(() => Task.FromResult(InstanceIds(job)), done);

    /// <summary>Reads every file of the output folder in a loop and counts the reads that did not parse.</summary>
    public static async Task<int> CountUnparseableReadsAsync(string folder, CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [])
            {
                try
                {
                    using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(file, CancellationToken.None));
                    if (json.RootElement.ValueKind != JsonValueKind.Array)
                    {
                        failures++;
                    }
                }
                catch (JsonException)
                {
                    failures++;
                }
            }

            await Task.Delay(5, CancellationToken.None);
        }

        return failures;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>Sends many registrations at once and keeps which ones were accepted.</summary>
internal sealed class RegistrationStream(Discovery discovery, string service, string job)
{
    public ConcurrentBag<string> Accepted { get; } = [];
    public ConcurrentBag<HttpStatusCode> Refused { get; } = [];

    public Task SendAsync(int from, int count, int senders, Action<int>? afterEach = null, bool retryUntilAccepted = false) =>
        SendWhileAsync(from, () => true, senders, count, afterEach, retryUntilAccepted);

    /// <summary>Registers slots from <paramref name="from"/> on while <paramref name="more"/> holds (and at most <paramref name="count"/>).</summary>
    public async Task SendWhileAsync(
        int from, Func<bool> more, int senders, int count = int.MaxValue, Action<int>? afterEach = null, bool retryUntilAccepted = false)
    {
        var next = (long)from - 1;
        var last = (long)from + count - 1;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            long slot;
            while (more() && (slot = Interlocked.Increment(ref next)) <= last)
            {
                var instance = Discovery.Instance(service, (int)slot, job, 9100);
                HttpStatusCode status;
                while ((status = await discovery.RegisterAsync(instance)) != HttpStatusCode.Accepted && retryUntilAccepted)
                {
                    // What a container's retry loop does with a 503.
                    await Task.Delay(500);
                }

                if (status == HttpStatusCode.Accepted)
                {
                    Accepted.Add($"{service}.{slot}");
                }
                else
                {
                    Refused.Add(status);
                    await Task.Delay(20);
                }

                afterEach?.Invoke(Accepted.Count);
            }
        }));
    }
}
