using System.ComponentModel.DataAnnotations;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>Auth</c> section: who may call a service's protected endpoints. Shared bearer tokens come from the
/// environment (<c>Auth__Tokens__0</c>, …) or from a file with one token a line (a Docker secret); they may read and
/// do what the service's first version allowed. A named credential (<c>Auth:Credentials</c>) carries an identity and
/// roles: what changes the controller's state (pause, resume, dry run, scale) takes the <c>operate</c> role, and the
/// record names the credential, not whatever the caller typed.
/// </summary>
public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The roles a credential may hold.</summary>
    public static readonly IReadOnlySet<string> KnownRoles = new HashSet<string>(StringComparer.Ordinal) { Roles.Read, Roles.Operate };

    public List<string> Tokens { get; set; } = [];

    public string? TokensFile { get; set; }

    public List<Credential> Credentials { get; set; } = [];

    /// <summary>CIDRs callers must come from, even with a valid token. Empty: any network.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public IReadOnlyList<string> ResolveTokens() => Secrets.ReadList(Tokens, TokensFile);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenSet.Problem(Tokens, TokensFile) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Tokens)]);
        }
        else if (ResolveTokens().Count == 0 && Credentials.Count == 0)
        {
            // Secure by default: a protected endpoint with no credentials configured would be open to anyone.
            yield return new ValidationResult(
                "no bearer token configured: set Auth__Tokens__0 (environment), Auth__TokensFile (a secret file) or Auth__Credentials__0__….",
                [nameof(Tokens)]);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        // One token, one identity: a token shared by two credentials (or with the shared tokens) would make who asked ambiguous.
        var tokens = new HashSet<string>(TokenSet.Problem(Tokens, TokensFile) is null ? ResolveTokens() : [], StringComparer.Ordinal);
        for (var i = 0; i < Credentials.Count; i++)
        {
            if (Credentials[i].Problems().All(p => p.Field != nameof(Credential.Token)) && !tokens.Add(Credentials[i].ResolveToken()))
            {
                yield return new ValidationResult("is a token another credential (or Auth:Tokens) has already; each credential needs its own.",
                    [$"Credentials:{i}:Token"]);
            }

            foreach (var (field, message) in Credentials[i].Problems())
            {
                yield return new ValidationResult(message, [$"Credentials:{i}:{field}"]);
            }

            if (Credentials[i].Name is { } name && !names.Add(name))
            {
                yield return new ValidationResult($"'{name}' names two credentials.", [$"Credentials:{i}:Name"]);
            }
        }

        foreach (var invalid in Networks.Validate(AllowedNetworks, nameof(AllowedNetworks)))
        {
            yield return invalid;
        }
    }
}
