using System.ComponentModel.DataAnnotations;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>Auth</c> section: who may call a service's protected endpoints. Shared bearer tokens come from the
/// environment (<c>Auth__Tokens__0</c>, …) or from a file with one token a line (a Docker secret); they read, and
/// nothing else (<see cref="Caller.Shared"/>). A named credential (<c>Auth:Credentials</c>) carries an identity and
/// roles: what changes the controller's state (pause, resume, dry run, scale) takes the <c>operate</c> role, and the
/// record names the credential, not whatever the caller typed. <c>Auth:CredentialsFile</c> holds more credentials (a
/// JSON array or JSON lines of hashed tokens, see <see cref="ServiceDefaults.CredentialsFile"/>), read again when it changes.
/// </summary>
public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The roles a credential may hold.</summary>
    public static readonly IReadOnlySet<string> KnownRoles = new HashSet<string>(Roles.All, StringComparer.Ordinal);

    public List<string> Tokens { get; set; } = [];

    public string? TokensFile { get; set; }

    public List<Credential> Credentials { get; set; } = [];

    /// <summary>A file of credentials (a Docker secret), see <see cref="ServiceDefaults.CredentialsFile"/>; read again when it changes.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>CIDRs callers must come from, even with a valid token. Empty: any network.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public IReadOnlyList<string> ResolveTokens() => Secrets.ReadList(Tokens, TokensFile);

    /// <summary>The credentials in force now (the file as it reads now), and what is wrong with them.</summary>
    public (CredentialTable Table, IReadOnlyList<(string Field, string Problem)> Problems) Table()
    {
        var shared = TokenSet.Problem(Tokens, TokensFile) is null ? ResolveTokens().Select(TokenSet.Hash) : [];
        if (string.IsNullOrWhiteSpace(CredentialsFile))
        {
            return CredentialTable.Build(Credentials, [], shared);
        }

        var (fromFile, fileProblems) = ServiceDefaults.CredentialsFile.Read(CredentialsFile);
        var (table, problems) = CredentialTable.Build(Credentials, fileProblems.Count == 0 ? fromFile : [], shared);
        return (table, [.. fileProblems, .. problems]);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenSet.Problem(Tokens, TokensFile) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Tokens)]);
        }
        else if (ResolveTokens().Count == 0 && Credentials.Count == 0 && string.IsNullOrWhiteSpace(CredentialsFile))
        {
            // Secure by default: a protected endpoint with no credentials configured would be open to anyone.
            yield return new ValidationResult(
                "no bearer token configured: set Auth__Tokens__0 (environment), Auth__TokensFile (a secret file), Auth__CredentialsFile or Auth__Credentials__0__….",
                [nameof(Tokens)]);
        }

        for (var i = 0; i < Credentials.Count; i++)
        {
            foreach (var (field, message) in Credentials[i].Problems())
            {
                yield return new ValidationResult(message, [$"Credentials:{i}:{field}"]);
            }
        }

        var (_, tableProblems) = Table();
        foreach (var (field, message) in tableProblems)
        {
            yield return new ValidationResult(message, [field]);
        }

        foreach (var invalid in Networks.Validate(AllowedNetworks, nameof(AllowedNetworks)))
        {
            yield return invalid;
        }
    }
}
