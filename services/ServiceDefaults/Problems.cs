using Microsoft.AspNetCore.Http;

namespace PretixOps.ServiceDefaults;

/// <summary>RFC 9457 problem details, the one error format of every PretixOps endpoint.</summary>
public static class Problems
{
    public static IResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);

    /// <summary>400 with <c>errors</c> mapping each bad field (a JSON path such as <c>exporters[0].port</c>) to what is wrong with it.</summary>
    public static IResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        Results.ValidationProblem(errors, detail: detail ?? "The request has invalid fields: see errors.", title: "Invalid request");

    /// <summary>503 with <c>Retry-After</c>: the request was not accepted, and trying again later is the right thing to do.</summary>
    public static IResult Unavailable(HttpContext context, int retryAfterSeconds, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);
    }
}
