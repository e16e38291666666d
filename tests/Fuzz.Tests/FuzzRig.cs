using System.Globalization;
using System.Net;
using PretixOps.Integration.Tests;
using PretixOps.Shared;
using PretixOps.TestSupport;

namespace PretixOps.Fuzz.Tests;

/// <summary>The five services as processes on the shared broker, with secrets of their own, and a hostile SNMP agent of each kind.</summary>
internal sealed class FuzzRig : IAsyncDisposable
{
    private readonly List<MaliciousAgent> _agents = [];

    public FuzzSecrets Secrets { get; } = new();

    public Dictionary<string, ServiceProcess> Services { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<MaliciousAgent> Agents => _agents;

    public static async Task<FuzzRig> StartAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        var rig = new FuzzRig();
        try
        {
            await rig.StartAllAsync();
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        _agents.AddRange(Enum.GetValues<Malice>().Select((malice, i) => new MaliciousAgent(malice, seed: i)));
        var poller = new Dictionary<string, string?>
        {
            ["SnmpPoller__Auths__public_v2__Community"] = Secrets.Community,
            ["SnmpPoller__Interval"] = "00:00:01",
            ["SnmpPoller__Timeout"] = "00:00:00.200",
            ["SnmpPoller__Retries"] = "0",
            ["SnmpPoller__MaxPollDuration"] = "00:00:02",
        };
        for (var i = 0; i < _agents.Count; i++)
        {
            poller[$"SnmpPoller__Hosts__{i}__Name"] = _agents[i].Malice.ToString().ToLowerInvariant();
            poller[$"SnmpPoller__Hosts__{i}__Address"] = "127.0.0.1";
            poller[$"SnmpPoller__Hosts__{i}__Port"] = _agents[i].Port.ToString(CultureInfo.InvariantCulture);
        }
        Services["Registration"] = ServiceProcess.Start("Registration");
        Services["DiscoveryWriter"] = ServiceProcess.Start("DiscoveryWriter");
        Services["SnmpPoller"] = ServiceProcess.Start("SnmpPoller", poller);
        Services["AlertIngest"] = ServiceProcess.Start("AlertIngest", new Dictionary<string, string?>
        {
            ["AlertIngest__Alertmanager__Tokens__0"] = null,
            ["AlertIngest__Alertmanager__Username"] = FuzzSecrets.AlertmanagerUser,
            ["AlertIngest__Alertmanager__Password"] = Secrets.AlertmanagerPassword,
            ["AlertIngest__Grafana__Hmac__Secret"] = Secrets.HmacSecret,
        });
        Services["Scaler"] = ServiceProcess.Start("Scaler", new Dictionary<string, string?>
        {
            ["Scaler__Services__fuzz_web__Min"] = "1",
            ["Scaler__Services__fuzz_web__Max"] = "2",
        });
        foreach (var service in Services.Values)
        {
            Assert.True(HttpStatusCode.OK == await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), service.ToString());
        }
    }

    /// <summary>Every value that must never reach a log line.</summary>
    public IReadOnlyList<string> SecretValues =>
    [
        ServiceProcess.Token, ServiceProcess.OperatorToken, Secrets.AlertmanagerPassword, Secrets.HmacSecret, Secrets.Community,
        File.ReadAllText(Infrastructure.RabbitPasswordFile).Trim(),
    ];

    /// <summary>The resident set of a service's process, in bytes.</summary>
    public static long Rss(ServiceProcess service)
    {
        var line = File.ReadLines($"/proc/{service.Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Services.Values)
        {
            await service.DisposeAsync();
        }
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }

    public static Task<T> WhenAsync<T>(Func<Task<T>> read, Func<T, bool> done) => Eventually.ValueAsync(read, done, TimeSpan.FromMinutes(2));
}
