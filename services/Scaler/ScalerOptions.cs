using System.ComponentModel.DataAnnotations;
using System.Globalization;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler;

/// <summary>The <c>Scaler</c> section: where Docker is, where the decision record lives, and the policy.</summary>
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

    /// <summary>Where the decision record (<c>decisions.jsonl</c>) survives restarts.</summary>
    [Required]
    public string StateDirectory { get; set; } = "state";

    /// <summary>This replica's name: its copy of the decision record arrives on <c>scaler-record-&lt;InstanceName&gt;</c>.</summary>
    [Required]
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>Attempts of one update when Docker answers "update out of sequence" (another writer won the race).</summary>
    [Range(1, 20)]
    public int MaxUpdateAttempts { get; set; } = 5;

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

            foreach (var problem in policy.Problems())
            {
                yield return new ValidationResult(problem, [$"Services:{name}"]);
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

        if (!Names.IsValid(InstanceName))
        {
            yield return new ValidationResult("InstanceName " + Names.Rule, [nameof(InstanceName)]);
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
}

public sealed class ServicePolicy
{
    public int Min { get; set; } = 1;
    public int Max { get; set; } = 1;

    /// <summary>Replicas added per step: a number ("1") or a percentage of the current count, rounded up ("50%").</summary>
    public string StepUp { get; set; } = "1";

    public string StepDown { get; set; } = "1";
    public TimeSpan CooldownUp { get; set; } = TimeSpan.FromMinutes(3);
    public TimeSpan CooldownDown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Scale down only once no reason to scale up has been seen for this long (Kubernetes HPA's window).</summary>
    public TimeSpan StabilizationWindow { get; set; } = TimeSpan.FromMinutes(5);

    public bool Paused { get; set; }
    public bool DryRun { get; set; }

    public IEnumerable<string> Problems()
    {
        if (Min < 0)
        {
            yield return "Min must not be negative.";
        }

        if (Max < Min || Max > 1000)
        {
            yield return "Max must be at least Min and at most 1000.";
        }

        foreach (var (name, step) in new[] { (nameof(StepUp), StepUp), (nameof(StepDown), StepDown) })
        {
            if (ScaleStep.TryParse(step, out _) is false)
            {
                yield return $"{name} '{step}' must be a whole number of replicas (1 to 1000) or a percentage (1% to 10000%).";
            }
        }

        if (CooldownUp < TimeSpan.Zero || CooldownDown < TimeSpan.Zero || StabilizationWindow < TimeSpan.Zero)
        {
            yield return "cooldowns and the stabilization window must not be negative.";
        }
    }
}

public enum Direction
{
    Up,
    Down,
}

/// <summary>An alert matched by name and/or labels scales a service: firing in the rule's direction, resolving the other way (for Up rules).</summary>
public sealed class ScaleRule
{
    public string? Name { get; set; }
    public string? Alertname { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string? Service { get; set; }
    public Direction Direction { get; set; } = Direction.Up;

    public bool Matches(string alertname, IReadOnlyDictionary<string, string> labels) =>
        (string.IsNullOrEmpty(Alertname) || Alertname == alertname)
        && Labels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}

/// <summary>A step: absolute replicas, or a percentage of the current count rounded up (never less than one).</summary>
public readonly record struct ScaleStep(int Value, bool Percent)
{
    /// <summary>The step a validated policy holds.</summary>
    public static ScaleStep Parse(string text) =>
        TryParse(text, out var step) ? step : throw new FormatException($"'{text}' is not a step.");

    public static bool TryParse(string? text, out ScaleStep step)
    {
        step = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var percent = text.EndsWith('%');
        // Bounded so that no step arithmetic can overflow: 1000 replicas is the policy's own ceiling.
        if (!int.TryParse(percent ? text[..^1] : text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value <= 0 || value > (percent ? 10_000 : 1000))
        {
            return false;
        }

        step = new ScaleStep(value, percent);
        return true;
    }

    public int Of(int current) => Percent ? Math.Max(1, (int)Math.Ceiling((long)current * Value / 100.0)) : Value;
}
