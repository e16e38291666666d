using PretixOps.DiscoveryWriter.Engine;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary><c>GET /v1/sd/{job}</c>: the same target groups as the file, in Prometheus http_sd format, with an ETag.</summary>
public static class ServiceDiscoveryApi
{
    public static IEndpointRouteBuilder MapServiceDiscoveryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/sd/{job}", (string job, HttpContext context, DiscoveryEngine engine) =>
        {
            if (!Names.IsValid(job))
            {
                return Problems.Validation(new Dictionary<string, string[]> { ["job"] = [Names.Rule] });
            }

            var rendered = engine.Rendered(job);
            context.Response.Headers.ETag = rendered.ETag;
            if (context.Request.Headers.IfNoneMatch.Contains(rendered.ETag))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Bytes(rendered.Content, "application/json");
        }).RequireRole(Roles.Read);
        return app;
    }
}
