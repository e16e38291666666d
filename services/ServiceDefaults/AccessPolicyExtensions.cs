using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PretixOps.ServiceDefaults;

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
