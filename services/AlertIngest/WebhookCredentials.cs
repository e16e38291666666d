using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

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
