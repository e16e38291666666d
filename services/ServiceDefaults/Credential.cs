namespace PretixOps.ServiceDefaults;

/// <summary>A bearer token with a name (who calls, as records show it) and roles. Several may be valid at once, for rotation.</summary>
public sealed class Credential
{
    public string? Name { get; set; }

    public string? Token { get; set; }

    /// <summary>A file holding the token (a Docker secret).</summary>
    public string? TokenFile { get; set; }

    public List<string> Roles { get; set; } = [];

    public string ResolveToken() => Secrets.Resolve(Token, TokenFile) ?? "";

    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "is required and " + Names.Rule);
        }

        if (Secrets.Problem(nameof(Token), Token, TokenFile) is { } problem)
        {
            yield return (nameof(Token), problem);
        }
        else if (ResolveToken().Length < TokenSet.MinimumLength)
        {
            yield return (nameof(Token), $"must be at least {TokenSet.MinimumLength} characters long.");
        }

        foreach (var role in Roles.Where(r => !AccessOptions.KnownRoles.Contains(r)))
        {
            yield return (nameof(Roles), $"'{role}' is not a role: {string.Join(", ", AccessOptions.KnownRoles)}.");
        }
    }
}
