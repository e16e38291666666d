using System.ComponentModel.DataAnnotations;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>The <c>DiscoveryWriter</c> section.</summary>
public sealed class DiscoveryOptions : IValidatableObject
{
    public const string Section = "DiscoveryWriter";

    /// <summary>Where <c>&lt;job&gt;.json</c> file_sd files are written; Prometheus reads them from here.</summary>
    [Required]
    public string OutputDirectory { get; set; } = "sd";

    /// <summary>Where the registry survives restarts (registry.json).</summary>
    [Required]
    public string StateDirectory { get; set; } = "state";

    /// <summary>
    /// This replica's name. Each replica keeps the whole registry, so each has its own queue,
    /// <c>discovery-writer-&lt;InstanceName&gt;</c>; in a swarm use the task slot (<c>{{.Task.Slot}}</c>).
    /// </summary>
    [Required]
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>How long a burst of changes is gathered before one write: the bound on added delay.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:02")]
    public TimeSpan CoalesceDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 5_000;

    /// <summary>How often expiry and the writer lease are checked when nothing else happens.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a deregistration is remembered, so a late, older registration cannot resurrect the entry.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Messages handled at once from this replica's queue: they share one write, so many can wait on it.</summary>
    [Range(1, 4096)]
    public int ConcurrentMessageLimit { get; set; } = 512;

    /// <summary>
    /// The longest wait between attempts to save a change while the disk refuses it (full, read-only). Such a change
    /// is retried, backing off from one second up to this, for as long as it takes: it is not the message's fault.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan SaveRetryMaxInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => ReplicaName.Check(InstanceName);
}
