using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler;

/// <summary><c>GET /v1/decisions?service=&amp;since=&amp;outcome=</c>: the decision record, newest first (bearer token).</summary>
public static class DecisionsApi
{
    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/decisions", (string? service, DateTimeOffset? since, string? outcome, DecisionHistory history) =>
        {
            if (service is not null && !Names.IsValid(service))
            {
                return Problems.Validation(new Dictionary<string, string[]> { ["service"] = [Names.Rule] });
            }

            ScaleOutcome? parsed = null;
            if (outcome is not null)
            {
                if (!Enum.TryParse<ScaleOutcome>(outcome, ignoreCase: true, out var value) || !Enum.IsDefined(value))
                {
                    return Problems.Validation(new Dictionary<string, string[]>
                    {
                        ["outcome"] = [$"must be one of {string.Join(", ", Enum.GetNames<ScaleOutcome>())}."],
                    });
                }

                parsed = value;
            }

            return Results.Ok(history.Query(service, since, parsed));
        }).RequireAccess();
        return app;
    }
}
