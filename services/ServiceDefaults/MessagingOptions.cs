using System.ComponentModel.DataAnnotations;

namespace PretixOps.ServiceDefaults;

/// <summary>The <c>Messaging</c> section: where the RabbitMQ broker is and how hard to work it.</summary>
public sealed class MessagingOptions : IValidatableObject
{
    public const string Section = "Messaging";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string Username { get; set; } = "guest";

    /// <summary>From the environment (<c>Messaging__Password</c>); prefer <see cref="PasswordFile"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password, such as a Docker secret.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Messages fetched ahead per consumer endpoint.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>Messages handled at once per endpoint. 8 keeps two cores busy without thrashing.</summary>
    [Range(1, 256)]
    public int ConcurrentMessageLimit { get; set; } = 8;

    /// <summary>Immediate retries of a failed message before it goes to its <c>_error</c> queue.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The other nodes of a RabbitMQ cluster (<c>host</c> or <c>host:port</c>). With them, a service connects to
    /// whichever node answers, <see cref="Host"/> first, and moves to another when its node goes.
    /// </summary>
    public List<string> ClusterNodes { get; set; } = [];

    /// <summary>
    /// Declare the services' durable queues as quorum queues, replicated across a cluster's nodes. Only on a
    /// cluster of three or more nodes does this survive the loss of one; a queue's type is fixed when it is
    /// first declared.
    /// </summary>
    public bool QuorumQueues { get; set; }

    /// <summary>The nodes to try, <see cref="Host"/> first, as (host, port).</summary>
    public IReadOnlyList<(string Host, int Port)> Nodes() =>
        [.. ClusterNodes.Prepend($"{Host}:{Port}").Select(n =>
        {
            var colon = n.LastIndexOf(':');
            return colon < 0 ? (n, Port) : (n[..colon], int.Parse(n[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        })];

    /// <summary>
    /// <c>amqps</c>: TLS to every node (with <see cref="Port"/> the broker's TLS listener, 5671 by convention). The
    /// broker's certificate must chain to <see cref="CaFile"/> (else to the system's store) and carry
    /// <see cref="ServerName"/>.
    /// </summary>
    public bool UseTls { get; set; }

    /// <summary>The CA (PEM) the broker's certificate must chain to; the only trust root when set.</summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// The name the broker's certificate must carry, <see cref="Host"/> when not set. One name for every node of a
    /// cluster: give the nodes one certificate that carries all their names (or this one).
    /// </summary>
    public string? ServerName { get; set; }

    public string ResolvePassword() =>
        Secrets.Resolve(Password, PasswordFile)
        ?? throw new InvalidOperationException("Messaging:Password is not set.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Secrets.Problem(nameof(Password), Password, PasswordFile) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Password)]);
        }

        if (!UseTls && (!string.IsNullOrWhiteSpace(CaFile) || !string.IsNullOrWhiteSpace(ServerName)))
        {
            // A CA without TLS would be a silent fall-back to plain AMQP.
            yield return new ValidationResult(
                $"is set but {nameof(UseTls)} is not: set {nameof(UseTls)}=true for amqps, or remove it.",
                [string.IsNullOrWhiteSpace(CaFile) ? nameof(ServerName) : nameof(CaFile)]);
        }

        if (Tls.CertificateAuthority.Problem(nameof(CaFile), CaFile) is { } caProblem)
        {
            yield return new ValidationResult(caProblem, [nameof(CaFile)]);
        }

        foreach (var node in ClusterNodes.Where(n => !IsNodeAddress(n)))
        {
            yield return new ValidationResult($"'{node}' is not a host or host:port.", [nameof(ClusterNodes)]);
        }

        if (RetryMaxInterval < RetryMinInterval)
        {
            yield return new ValidationResult(
                $"must not be shorter than {nameof(RetryMinInterval)}.", [nameof(RetryMaxInterval)]);
        }
    }

    private static bool IsNodeAddress(string node)
    {
        var colon = node.LastIndexOf(':');
        var host = colon < 0 ? node : node[..colon];
        return Uri.CheckHostName(host) != UriHostNameType.Unknown
            && (colon < 0 || (int.TryParse(node[(colon + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535));
    }
}
