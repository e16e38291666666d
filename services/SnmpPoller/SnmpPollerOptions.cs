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

    /// <summary>Networks <c>/snmp?target=</c> may poll (CIDR); empty allows any, as snmp_exporter does.</summary>
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

/// <summary>
/// Credentials for one set of agents. v2c: a community. v3: a user, its authentication protocol and password
/// (MD5, SHA, SHA256) and privacy protocol and password (DES, AES); the security level follows from which are set.
/// Every secret has a <c>...File</c> twin for Docker secrets.
/// </summary>
public sealed class SnmpAuthOptions
{
    /// <summary><c>2c</c> or <c>3</c>.</summary>
    public string Version { get; set; } = "2c";

    public string? Community { get; set; }

    public string? CommunityFile { get; set; }

    public string? Username { get; set; }

    /// <summary><c>MD5</c>, <c>SHA</c> (SHA-1) or <c>SHA256</c>; unset is noAuthNoPriv.</summary>
    public string? AuthProtocol { get; set; }

    public string? AuthPassword { get; set; }

    public string? AuthPasswordFile { get; set; }

    /// <summary><c>DES</c> or <c>AES</c> (AES-128); unset is no privacy.</summary>
    public string? PrivProtocol { get; set; }

    public string? PrivPassword { get; set; }

    public string? PrivPasswordFile { get; set; }

    public string ContextName { get; set; } = "";

    public IEnumerable<(string Setting, string Message)> Problems()
    {
        switch (Version)
        {
            case "2c":
                if (Secrets.Problem(nameof(Community), Community, CommunityFile) is { } community)
                {
                    yield return (nameof(Community), community);
                }
                break;
            case "3":
                if (string.IsNullOrEmpty(Username) || System.Text.Encoding.UTF8.GetByteCount(Username) > 32)
                {
                    yield return (nameof(Username), "SNMPv3 needs a user name of 1 to 32 octets.");
                }
                var auth = ParseAuth(AuthProtocol);
                var priv = ParsePriv(PrivProtocol);
                if (auth is null)
                {
                    yield return (nameof(AuthProtocol), $"'{AuthProtocol}' is not MD5, SHA or SHA256.");
                }
                if (priv is null)
                {
                    yield return (nameof(PrivProtocol), $"'{PrivProtocol}' is not DES or AES.");
                }
                if (priv is not (null or Snmp.PrivProtocol.None) && auth == Snmp.AuthProtocol.None)
                {
                    yield return (nameof(PrivProtocol), "privacy needs an AuthProtocol too (there is no noAuthPriv).");
                }
                foreach (var problem in PasswordProblems(nameof(AuthPassword), AuthPassword, AuthPasswordFile, auth is not (null or Snmp.AuthProtocol.None)))
                {
                    yield return problem;
                }
                foreach (var problem in PasswordProblems(nameof(PrivPassword), PrivPassword, PrivPasswordFile, priv is not (null or Snmp.PrivProtocol.None)))
                {
                    yield return problem;
                }
                break;
            default:
                yield return (nameof(Version), $"'{Version}' is not 2c or 3.");
                break;
        }
    }

    public static Snmp.AuthProtocol? ParseAuth(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => Snmp.AuthProtocol.None,
        "MD5" => Snmp.AuthProtocol.Md5,
        "SHA" or "SHA1" or "SHA-1" => Snmp.AuthProtocol.Sha1,
        "SHA256" or "SHA-256" => Snmp.AuthProtocol.Sha256,
        _ => null,
    };

    public static Snmp.PrivProtocol? ParsePriv(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => Snmp.PrivProtocol.None,
        "DES" => Snmp.PrivProtocol.Des,
        "AES" or "AES128" or "AES-128" => Snmp.PrivProtocol.Aes128,
        _ => null,
    };

    private static IEnumerable<(string, string)> PasswordProblems(string name, string? value, string? file, bool needed)
    {
        if (!needed)
        {
            if (!string.IsNullOrEmpty(value) || !string.IsNullOrEmpty(file))
            {
                yield return (name, "is set, but its protocol is not.");
            }
            yield break;
        }
        if (Secrets.Problem(name, value, file) is { } problem)
        {
            yield return (name, problem);
            yield break;
        }
        if ((Secrets.Resolve(value, file) ?? "").Length < 8)
        {
            yield return (name, "must have at least 8 characters (RFC 3414 section 11.2).");
        }
    }
}

/// <summary>One host polled from configuration.</summary>
public sealed class StaticHostOptions
{
    /// <summary>The <c>host</c> label; also matches a registration's <c>node</c>, so a node is never polled twice.</summary>
    public string Name { get; set; } = "";

    /// <summary>Host name or IP address; defaults to <see cref="Name"/>.</summary>
    public string? Address { get; set; }

    public int Port { get; set; } = 161;

    public string Auth { get; set; } = SnmpPollerOptions.DefaultAuth;

    public TimeSpan? Interval { get; set; }

    public IEnumerable<(string Setting, string Message)> Problems(SnmpPollerOptions options)
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "must be a name: letters, digits, '_', '.', '-'.");
        }
        foreach (var problem in SnmpPollerOptions.PollingProblems(options, Port, Auth, Interval))
        {
            yield return problem;
        }
    }
}

/// <summary>Hosts learned from <c>InstanceRegistered.Node</c>.</summary>
public sealed class DiscoveredHostOptions
{
    public bool Enabled { get; set; } = true;

    public int Port { get; set; } = 161;

    public string Auth { get; set; } = SnmpPollerOptions.DefaultAuth;

    public TimeSpan? Interval { get; set; }

    /// <summary>How long a node stays polled after its last instance left: a rolling update must not make it flap.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<(string Setting, string Message)> Problems(SnmpPollerOptions options)
    {
        foreach (var problem in SnmpPollerOptions.PollingProblems(options, Port, Auth, Interval))
        {
            yield return problem;
        }
        if (GracePeriod < TimeSpan.Zero || GracePeriod > TimeSpan.FromDays(1))
        {
            yield return (nameof(GracePeriod), "must be between 0 and 1 day.");
        }
    }
}
