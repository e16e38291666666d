using System.Globalization;
using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Api;

/// <summary>
/// <c>GET /v1/decisions?service=&amp;since=&amp;outcome=&amp;limit=&amp;before=</c>: the decision record, newest first, a
/// page at a time (bearer token). A full page carries <c>Link: &lt;…&amp;before=N&gt;; rel="next"</c> to the page after it.
/// </summary>
public static class DecisionsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder app)
    {
        // Every parameter is read as text and parsed here, so a bad one is a problem naming it, not a bare 400.
        app.MapGet("/v1/decisions", (HttpContext context, string? service, string? since, string? outcome, string? limit, string? before,
            IJournal journal) =>
        {
            var errors = new Dictionary<string, string[]>();
            var from = QueryValues.Time(since, "since", errors);
            var size = QueryValues.Number(limit, "limit", 1, MaxLimit, errors) ?? DefaultLimit;
            var cursor = QueryValues.Number(before, "before", 0, long.MaxValue, errors);
            if (service is not null && !Names.IsValid(service))
            {
                errors["service"] = [Names.Rule];
            }

            ScaleOutcome? parsed = null;
            if (outcome is not null)
            {
                if (Enum.TryParse<ScaleOutcome>(outcome, ignoreCase: true, out var value) && Enum.IsDefined(value))
                {
                    parsed = value;
                }
                else
                {
                    errors["outcome"] = [$"must be one of {string.Join(", ", Enum.GetNames<ScaleOutcome>())}."];
                }
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            var page = journal.State.Query(service, from, parsed, cursor, (int)size);
            if (page.Count == size)
            {
                var next = context.Request.Query
                    .Where(q => q.Key != "before")
                    .Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
                    .Append($"before={page[^1].Offset.ToString(CultureInfo.InvariantCulture)}");
                context.Response.Headers.Link = $"</v1/decisions?{string.Join('&', next)}>; rel=\"next\"";
            }

            return Results.Ok(page.Select(d => d.Recorded()));
        }).RequireRole(Roles.Read);
        return app;
    }
}
