using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A request the server could not read (a body over Kestrel's limit: 413; a body a minimal API could not bind, such
/// as JSON nested deeper than <see cref="RequestLimitOptions.JsonMaxDepth"/>: 400) is the caller's error: it is answered
/// with its own status as problem details, never as a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        RejectedRequests.Count(bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "too_large" : "malformed");
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The body is larger than this server accepts (Limits:MaxRequestBodyBytes)."
                    : "The request could not be read: malformed, or JSON nested too deep.",
            },
        });
    }
}
