using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prometheus;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Bearer-token access with an optional network allowlist: no or wrong token is 401 with
/// <c>WWW-Authenticate</c>; a right token from a network outside the allowlist is 403.
/// </summary>
public sealed class AccessPolicy
{
    private static readonly Counter Rejected = Metrics.CreateCounter(
        "pretixops_http_rejected_total", "Requests refused before any work, by reason.", "reason");

    private readonly TokenSet _tokens;
    private readonly IReadOnlyList<IPNetwork> _allowed;

    public AccessPolicy(IOptions<AccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tokens = new TokenSet(options.Value.ResolveTokens());
        _allowed = Networks.Parse(options.Value.AllowedNetworks);
    }

    public static void CountRejection(string reason) => Rejected.WithLabels(reason).Inc();

    public IResult? Check(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!HasValidToken(context.Request.Headers.Authorization.ToString()))
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

        return null;
    }

    private bool HasValidToken(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return _tokens.Contains(header[scheme.Length..].Trim());
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

    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<AccessPolicy>().Check(context.HttpContext)
            ?? await next(context));
}
