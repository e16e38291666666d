using System.ComponentModel.DataAnnotations;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>The <c>Registration</c> section.</summary>
public sealed class RegistrationOptions : IValidatableObject
{
    public const string Section = "Registration";

    [Range(0, RegisterInstanceRules.MaxTtlSeconds)]
    public int DefaultTtlSeconds { get; set; } = 90;

    /// <summary>How long a request waits for the broker's confirm before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> of a 503, in seconds.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    public ReportFormatOptions ReportFormat { get; set; } = new();

    /// <summary>
    /// The Docker API (<c>unix:///var/run/docker.sock</c>, or the socket proxy's <c>tcp://host:port</c>) whose swarm
    /// nodes a registration's <c>node</c> must be one of. Unset: node names are not checked.
    /// </summary>
    public string? DockerHost { get; set; }

    /// <summary>How long the node list is held before it is read again.</summary>
    [Range(1, 3600)]
    public int NodeCacheSeconds { get; set; } = 30;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DockerHost is not null
            && (!Uri.TryCreate(DockerHost, UriKind.Absolute, out var docker) || docker.Scheme is not ("unix" or "tcp" or "http")))
        {
            yield return new ValidationResult("must be unix:///path/to/docker.sock or tcp://host:port.", [nameof(DockerHost)]);
        }

        foreach (var problem in Networks.Validate(ReportFormat.AllowedNetworks, "ReportFormat:AllowedNetworks"))
        {
            yield return problem;
        }

        foreach (var (service, exporters) in ReportFormat.Exporters)
        {
            var request = new RegisterInstance(service, 1, null, null, "127.0.0.1",
                [.. exporters.Select(e => new RegisterExporter(e.Job, e.Port, e.Path, e.Scheme, null))], null, 0);
            foreach (var (field, problems) in RegisterInstanceRules.Validate(request, caller: null, DefaultTtlSeconds).Errors)
            {
                yield return new ValidationResult($"{field}: {string.Join(" ", problems)}", [$"ReportFormat:Exporters:{service}"]);
            }
        }
    }
}
