using System.Text.Json.Serialization;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A bearer token with a name (who calls, as records show it), roles and, for <see cref="Roles.Register"/>, the services
/// it may register. Two entries with one name are one identity with two tokens: rotation without downtime.
/// The token is given as itself (<see cref="Token"/>, <see cref="TokenFile"/>) or, in a credentials file, only as its
/// SHA-256 (<see cref="Sha256"/>), so the service never holds a workload's token.
/// </summary>
public sealed class Credential
{
    /// <summary>The name <see cref="Services"/> takes for "any service" (an operator's or a test's credential).</summary>
    public const string AnyService = "*";

    public string? Name { get; set; }

    public string? Token { get; set; }

    /// <summary>A file holding the token (a Docker secret).</summary>
    public string? TokenFile { get; set; }

    /// <summary>The token's SHA-256, 64 hex digits (<c>printf %s "$token" | sha256sum</c>).</summary>
    public string? Sha256 { get; set; }

    public List<string> Roles { get; set; } = [];

    /// <summary>The services a <see cref="ServiceDefaults.Roles.Register"/> credential may register (<c>*</c>: any).</summary>
    public List<string> Services { get; set; } = [];

    [JsonIgnore]
    public bool HasHash => !string.IsNullOrEmpty(Sha256);

    public string ResolveToken() => Secrets.Resolve(Token, TokenFile) ?? "";

    /// <summary>The SHA-256 of the token, as <see cref="TokenSet.Hash"/> makes it.</summary>
    public byte[] ResolveHash() => HasHash ? Convert.FromHexString(Sha256!) : TokenSet.Hash(ResolveToken());

    /// <summary>Each wrong field, named as a settings key under the credential (<c>Name</c>, <c>Roles</c>, …).</summary>
    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "is required and " + Names.Rule);
        }

        if (HasHash)
        {
            if (Token is not null || TokenFile is not null)
            {
                yield return (nameof(Sha256), "give the token one way: Sha256, Token or TokenFile.");
            }
            else if (Sha256!.Length != 64 || !Sha256.All(Uri.IsHexDigit))
            {
                yield return (nameof(Sha256), "must be the token's SHA-256 as 64 hex digits.");
            }
        }
        else if (Secrets.Problem(nameof(Token), Token, TokenFile) is { } problem)
        {
            yield return (nameof(Token), problem + " (or Sha256, the token's hash)");
        }
        else if (ResolveToken().Length < TokenSet.MinimumLength)
        {
            yield return (nameof(Token), $"must be at least {TokenSet.MinimumLength} characters long.");
        }

        foreach (var role in Roles.Where(r => !ServiceDefaults.Roles.All.Contains(r)))
        {
            yield return (nameof(Roles), $"'{role}' is not a role: {string.Join(", ", ServiceDefaults.Roles.All)}.");
        }

        var registers = Roles.Contains(ServiceDefaults.Roles.Register);
        if (registers && Services.Count == 0)
        {
            yield return (nameof(Services), "a credential with the role 'register' must list the services it may register.");
        }
        else if (!registers && Services.Count > 0)
        {
            yield return (nameof(Services), "is for a credential with the role 'register'.");
        }

        foreach (var service in Services.Where(s => s != AnyService && !Names.IsValid(s)))
        {
            yield return (nameof(Services), $"'{service}' {Names.Rule}");
        }

        if (Roles.Contains(ServiceDefaults.Roles.RegisterAnyAddress) && !registers)
        {
            yield return (nameof(Roles), "'register-any-address' goes with 'register'.");
        }
    }
}
