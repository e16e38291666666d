using System.ComponentModel.DataAnnotations;
using PretixOps.ServiceDefaults;

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

/// <summary>
/// Who may post to one webhook endpoint: HTTP basic auth, bearer tokens, and (Grafana) an HMAC-SHA256
/// signature of the body. At least one must be configured; every one configured must pass.
/// </summary>
public sealed class WebhookCredentials
{
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string? PasswordFile { get; set; }
    public List<string> Tokens { get; set; } = [];
    public string? TokensFile { get; set; }
    public HmacOptions? Hmac { get; set; }

    public bool HasBasic => !string.IsNullOrEmpty(Username);

    public IReadOnlyList<string> ResolveTokens() => Secrets.ReadList(Tokens, TokensFile);

    public IEnumerable<string> Problems()
    {
        if (HasBasic && Secrets.Problem(nameof(Password), Password, PasswordFile) is { } password)
        {
            yield return password;
        }

        if (!HasBasic && (Password is not null || PasswordFile is not null))
        {
            yield return "a Password without a Username.";
        }

        var tokensFileMissing = !string.IsNullOrWhiteSpace(TokensFile) && !File.Exists(TokensFile);
        var tokens = tokensFileMissing ? [] : ResolveTokens();
        if (TokenSet.Problem(Tokens, TokensFile) is { } tokenProblem)
        {
            yield return tokenProblem;
        }

        if (Hmac is not null && Secrets.Problem("Secret", Hmac.Secret, Hmac.SecretFile) is { } secret)
        {
            yield return "Hmac: " + secret;
        }

        if (!HasBasic && tokens.Count == 0 && !tokensFileMissing && Hmac is null)
        {
            // Secure by default: an endpoint without credentials would take alerts from anyone.
            yield return "no credentials: set Username and Password(File), Tokens or TokensFile, or Hmac:Secret(File).";
        }
    }
}

public sealed class HmacOptions
{
    public string? Secret { get; set; }
    public string? SecretFile { get; set; }

    /// <summary>Where the sender puts the lowercase hex signature.</summary>
    public string Header { get; set; } = "X-Grafana-Alerting-Signature";

    /// <summary>When set, the signed string is <c>&lt;unix seconds&gt;:&lt;body&gt;</c> with the seconds from this header.</summary>
    public string? TimestampHeader { get; set; }

    /// <summary>Signatures older than this, or reused within it, are refused.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);
}
