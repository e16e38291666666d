using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Bearer-token access with an optional network allowlist: no or wrong token is 401 with
/// <c>WWW-Authenticate</c>; a right token from a network outside the allowlist is 403; a token without the role an
/// endpoint takes is 403, naming the role. The caller's identity (<see cref="Caller"/>) is what the credential says.
/// </summary>
public sealed class AccessPolicy
{
    private readonly TokenSet _tokens;
    private readonly IReadOnlyList<(byte[] Hash, Caller Caller)> _credentials;
    private readonly IReadOnlyList<IPNetwork> _allowed;

    public AccessPolicy(IOptions<AccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tokens = new TokenSet(options.Value.ResolveTokens());
        _credentials = [.. options.Value.Credentials.Select(c => (TokenSet.Hash(c.ResolveToken()), new Caller(c.Name!, c.Roles.ToHashSet(StringComparer.Ordinal))))];
        _allowed = Networks.Parse(options.Value.AllowedNetworks);
    }

    public IResult? Check(HttpContext context, string? role = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Authenticate(context.Request.Headers.Authorization.ToString());
        if (caller is null)
        {
            RejectedRequests.Count("unauthorized");
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"pretixops\"";
            return Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                "A valid bearer token is required: Authorization: Bearer <token>.");
        }

        if (_allowed.Count > 0 && !Networks.Contains(_allowed, context.Connection.RemoteIpAddress))
        {
            RejectedRequests.Count("forbidden_network");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                $"Requests from {context.Connection.RemoteIpAddress} are not accepted here (Auth:AllowedNetworks).");
        }

        if (role is not null && !caller.Roles.Contains(role))
        {
            RejectedRequests.Count("forbidden_role");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                caller.Name is null
                    ? $"This takes a named credential with the role '{role}' (Auth:Credentials): a shared token does not say who is asking."
                    : $"The credential '{caller.Name}' does not have the role '{role}'.");
        }

        context.Items[typeof(Caller)] = caller;
        return null;
    }

    private Caller? Authenticate(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = header[scheme.Length..].Trim();
        var hash = TokenSet.Hash(presented);
        // Every credential is compared, in constant time, so which one matched does not leak through timing.
        Caller? found = null;
        foreach (var (known, caller) in _credentials)
        {
            if (CryptographicOperations.FixedTimeEquals(known, hash))
            {
                found = caller;
            }
        }

        return found ?? (_tokens.Contains(presented) ? Caller.Shared : null);
    }
}
