using System.ComponentModel.DataAnnotations;

namespace PretixOps.AlertIngest;

/// <summary>The <c>AlertIngest</c> section.</summary>
public sealed class AlertIngestOptions : IValidatableObject
{
    public const string Section = "AlertIngest";

    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    [Range(1, 100_000)]
    public int MaxAlerts { get; set; } = 5_000;

    /// <summary>How long a request waits for the broker's confirms before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 10;

    public WebhookCredentials Alertmanager { get; set; } = new();
    public WebhookCredentials Grafana { get; set; } = new();
    public WebhookCredentials GrafanaLegacy { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        new[] { (nameof(Alertmanager), Alertmanager), (nameof(Grafana), Grafana), (nameof(GrafanaLegacy), GrafanaLegacy) }
            .SelectMany(e => e.Item2.Problems().Select(p => new ValidationResult(p, [e.Item1])));
}
