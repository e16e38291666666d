using System.ComponentModel.DataAnnotations;
using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller;

/// <summary>The <c>SnmpPoller</c> section.</summary>
public sealed class SnmpPollerOptions : IValidatableObject
{
    public const string Section = "SnmpPoller";

    /// <summary>The credentials used when nothing else is said: v2c, community <c>public</c>, as snmp_exporter's <c>public_v2</c>.</summary>
    public const string DefaultAuth = "public_v2";

    /// <summary>This replica's name: its queue is <c>snmp-poller-&lt;InstanceName&gt;</c>, so every replica learns every host.</summary>
    [Required]
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>Named credentials; hosts refer to them by name (<c>public_v2</c> exists unless redefined).</summary>
    public Dictionary<string, SnmpAuthOptions> Auths { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Hosts polled whether or not anything registers on them.</summary>
    public List<StaticHostOptions> Hosts { get; set; } = [];

    /// <summary>How hosts learned from registrations (their <c>node</c>) are polled.</summary>
    public DiscoveredHostOptions Discovery { get; set; } = new();

    /// <summary>Time between polls of a host, unless the host says otherwise; each poll is shifted by up to ±10 % jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request waits for its answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts after the first before a request counts as timed out.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 1;

    /// <summary>GETBULK max-repetitions for walks.</summary>
    [Range(1, 200)]
    public int MaxRepetitions { get; set; } = 25;

    /// <summary>The most one poll may take, whatever the agent does (a walk that trickles, DNS that hangs).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxPollDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Polls running at once; the rest wait their turn, each host on its own schedule.</summary>
    [Range(1, 4096)]
    public int MaxConcurrentPolls { get; set; } = 64;

    /// <summary>
    /// Networks <c>/snmp?target=</c> may poll (CIDR), on top of its rule that the target is a known host (configured or
    /// registered); empty adds no limit.
    /// </summary>
    public List<string> OnDemandAllowedNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in ReplicaName.Check(InstanceName))
        {
            yield return problem;
        }

        foreach (var (name, auth) in Auths)
        {
            foreach (var problem in auth.Problems())
            {
                yield return new ValidationResult(problem.Message, [$"{nameof(Auths)}:{name}:{problem.Setting}"]);
            }
        }
        for (var i = 0; i < Hosts.Count; i++)
        {
            foreach (var problem in Hosts[i].Problems(this))
            {
                yield return new ValidationResult(problem.Message, [$"{nameof(Hosts)}:{i}:{problem.Setting}"]);
            }
        }
        foreach (var problem in Discovery.Problems(this))
        {
            yield return new ValidationResult(problem.Message, [$"{nameof(Discovery)}:{problem.Setting}"]);
        }
        foreach (var problem in Networks.Validate(OnDemandAllowedNetworks, nameof(OnDemandAllowedNetworks)))
        {
            yield return problem;
        }
    }

    public bool HasAuth(string? name) => name is not null && (Auths.ContainsKey(name) || name == DefaultAuth);

    /// <summary>What a configured host and the discovered ones share: where and how often they are polled.</summary>
    internal static IEnumerable<(string Setting, string Message)> PollingProblems(SnmpPollerOptions options, int port, string auth, TimeSpan? interval)
    {
        if (port is < 1 or > 65535)
        {
            yield return ("Port", "must be 1 to 65535.");
        }
        if (!options.HasAuth(auth))
        {
            yield return ("Auth", $"'{auth}' is not in SnmpPoller:Auths.");
        }
        if (interval is { } every && (every < TimeSpan.FromSeconds(1) || every > TimeSpan.FromHours(1)))
        {
            yield return ("Interval", "must be between 1 second and 1 hour.");
        }
    }
}
