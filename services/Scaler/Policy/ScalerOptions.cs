using System.ComponentModel.DataAnnotations;
using PretixOps.Scaler.Notifications;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Policy;

/// <summary>
/// The <c>Scaler</c> section: where Docker and Prometheus are, where the controller's journal lives, how often it
/// reconciles, and the policy (<see cref="Services"/>, <see cref="Rules"/>). The policy part is reloaded while the
/// Scaler runs (<see cref="PolicyStore"/>); the connection settings are read once, at start.
/// </summary>
public sealed class ScalerOptions : IValidatableObject
{
    public const string Section = "Scaler";

    /// <summary>The Engine API: <c>unix:///var/run/docker.sock</c> or <c>tcp://host:2376</c>.</summary>
    [Required]
    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>For <c>tcp://</c>: the CA that signed the daemon's certificate (PEM). Set all three TLS files or none.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>The Scaler's client certificate (PEM), signed by a CA the daemon trusts (<c>--tlsverify</c>).</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>The client certificate's private key (PEM): a secret, from a file only.</summary>
    public string? TlsKeyFile { get; set; }

    public bool UsesTls => TlsCaFile is not null || TlsCertFile is not null || TlsKeyFile is not null;

    /// <summary>This replica's name, in logs, status and the journal's leader entries (in a swarm: the task slot).</summary>
    [Required]
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>Attempts of one update when Docker answers "update out of sequence" (another writer won the race).</summary>
    [Range(1, 20)]
    public int MaxUpdateAttempts { get; set; } = 5;

    /// <summary>How often every service is reconciled even when no signal changed (clocks run out: cooldowns, windows, staleness).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long decisions are kept and served (and the journal stream's <c>x-max-age</c> when it is first declared).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    public JournalOptions Journal { get; set; } = new();

    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>The only services the Scaler ever touches, by their swarm service name.</summary>
    public Dictionary<string, ServicePolicy> Services { get; set; } = [];

    public List<ScaleRule> Rules { get; set; } = [];

    public NotificationOptions Notifications { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, policy) in Services)
        {
            if (!Names.IsValid(name))
            {
                yield return new ValidationResult($"'{name}' " + Names.Rule, [$"Services:{name}"]);
            }

            foreach (var (field, problem) in policy.Problems())
            {
                yield return new ValidationResult(problem, [$"Services:{name}{(field.Length > 0 ? ":" + field : "")}"]);
            }

            if (policy.Metrics.Count > 0 && Prometheus.Url is null)
            {
                yield return new ValidationResult("a service has Metrics: set Scaler:Prometheus:Url.", ["Prometheus:Url"]);
            }
        }

        if (!Uri.TryCreate(DockerHost, UriKind.Absolute, out var docker) || docker.Scheme is not ("unix" or "tcp" or "http" or "https"))
        {
            yield return new ValidationResult("must be unix:///path/to/docker.sock or tcp://host:port.", [nameof(DockerHost)]);
        }

        if (UsesTls)
        {
            foreach (var (name, file) in new[] { (nameof(TlsCaFile), TlsCaFile), (nameof(TlsCertFile), TlsCertFile), (nameof(TlsKeyFile), TlsKeyFile) })
            {
                if (string.IsNullOrWhiteSpace(file) || !File.Exists(file))
                {
                    yield return new ValidationResult($"{name} must name an existing PEM file (set all three TLS files, or none).", [name]);
                }
            }

            if (docker is { Scheme: "unix" })
            {
                yield return new ValidationResult("TLS files are for a tcp:// DockerHost, not a unix socket.", [nameof(DockerHost)]);
            }
        }

        foreach (var problem in ReplicaName.Check(InstanceName))
        {
            yield return problem;
        }

        if (ReconcileInterval < TimeSpan.FromMilliseconds(100) || ReconcileInterval > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("must be between 00:00:00.1 and 00:05:00.", [nameof(ReconcileInterval)]);
        }

        if (Retention < TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("must be at least 01:00:00.", [nameof(Retention)]);
        }

        foreach (var (field, problem) in Journal.Problems().Concat(Prometheus.Problems()))
        {
            yield return new ValidationResult(problem, [field]);
        }

        foreach (var problem in Notifications.Problems())
        {
            yield return new ValidationResult(problem, [nameof(Notifications)]);
        }

        for (var i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            var field = $"Rules:{i}";
            if (string.IsNullOrEmpty(rule.Name))
            {
                yield return new ValidationResult("Name is required.", [field]);
            }

            if (string.IsNullOrEmpty(rule.Alertname) && rule.Labels.Count == 0)
            {
                yield return new ValidationResult("match an Alertname or Labels, or the rule would match every alert.", [field]);
            }

            if (rule.Service is null || !Services.ContainsKey(rule.Service))
            {
                yield return new ValidationResult($"Service '{rule.Service}' is not under Scaler:Services.", [field]);
            }
        }
    }

    /// <summary>The first rule an alert matches decides its service and direction.</summary>
    public ScaleRule? RuleFor(string alertname, IReadOnlyDictionary<string, string> labels) =>
        Rules.FirstOrDefault(r => r.Matches(alertname, labels));
}
