using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>Auth</c> section: who may call a service's protected endpoints. Bearer tokens come from the
/// environment (<c>Auth__Tokens__0</c>, …) or from a file with one token a line (a Docker secret).
/// </summary>
public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Auth";

    public List<string> Tokens { get; set; } = [];

    public string? TokensFile { get; set; }

    /// <summary>CIDRs callers must come from, even with a valid token. Empty: any network.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public IReadOnlyList<string> ResolveTokens() => TokenSet.Read(Tokens, TokensFile);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenSet.Problem(Tokens, TokensFile) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Tokens)]);
        }
        else if (ResolveTokens().Count == 0)
        {
            // Secure by default: a protected endpoint with no credentials configured would be open to anyone.
            yield return new ValidationResult(
                "no bearer token configured: set Auth__Tokens__0 (environment) or Auth__TokensFile (a secret file).",
                [nameof(Tokens)]);
        }

        foreach (var network in AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"'{network}' is not a CIDR such as 10.0.0.0/8.", [nameof(AllowedNetworks)]);
        }
    }
}
