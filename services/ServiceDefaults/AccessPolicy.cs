using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prometheus;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Bearer-token access with an optional network allowlist: no or wrong token is 401 with
/// <c>WWW-Authenticate</c>; a right token from a network outside the allowlist is 403; a token without the role an
/// endpoint takes is 403, naming the role. The caller's identity (<see cref="Caller"/>) is what the credential says.
/// </summary>
public sealed class AccessPolicy
{
    private static readonly Counter Rejected = Metrics.CreateCounter(
        "pretixops_http_rejected_total", "Requests refused before any work, by reason.", "reason");

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

    public static void CountRejection(string reason) => Rejected.WithLabels(reason).Inc();

    public IResult? Check(HttpContext context, string? role = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Authenticate(context.Request.Headers.Authorization.ToString());
        if (caller is null)
        {
            CountRejection("unauthorized");
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"pretixops\"";
            return Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                "A valid bearer token is required: Authorization: Bearer <token>.");
        }

        if (_allowed.Count > 0 && !Networks.Contains(_allowed, context.Connection.RemoteIpAddress))
        {
            CountRejection("forbidden_network");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                $"Requests from {context.Connection.RemoteIpAddress} are not accepted here (Auth:AllowedNetworks).");
        }

        if (role is not null && !caller.Roles.Contains(role))
        {
            CountRejection("forbidden_role");
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

/// <summary>Who called: a named credential and its roles, or a shared token (no name, reading only).</summary>
public sealed record Caller(string? Name, IReadOnlySet<string> Roles)
{
    public static readonly Caller Shared = new(null, new HashSet<string>(StringComparer.Ordinal) { ServiceDefaults.Roles.Read });

    /// <summary>The caller an endpoint filter authenticated for this request.</summary>
    public static Caller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[typeof(Caller)] as Caller
            ?? throw new InvalidOperationException("The endpoint has no access filter (RequireAccess or RequireRole).");
    }
}

public static class AccessPolicyExtensions
{
    /// <summary>Binds and validates the <c>Auth</c> section; the service refuses to start without a token.</summary>
    public static IServiceCollection AddAccessPolicy(this IServiceCollection services)
    {
        services.AddValidatedOptions<AccessOptions>(AccessOptions.Section);
        services.AddSingleton<AccessPolicy>();
        return services;
    }

    /// <summary>Any valid token: a shared one or a named credential.</summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<AccessPolicy>().Check(context.HttpContext)
            ?? await next(context));

    /// <summary>A named credential that holds <paramref name="role"/>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<AccessPolicy>().Check(context.HttpContext, role)
            ?? await next(context));
}
