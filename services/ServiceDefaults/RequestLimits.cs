using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Body size, JSON depth and rate limits for every endpoint of every service (<see cref="RequestLimitOptions"/>): a
/// request over a limit is answered with problem details (413, 400, or 429 with <c>Retry-After</c>), never with a 5xx.
/// </summary>
public static class RequestLimits
{
    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RequestLimitOptions>(RequestLimitOptions.Section);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.MaxDepth = RequestLimitOptions.JsonMaxDepth);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RequestLimitOptions>>((limiter, limits) =>
        {
            var (perCredential, perAddress) = (limits.Value.PerCredentialPerMinute, limits.Value.PerAddressPerMinute);
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    ChangesState(context) && perCredential > 0 && CredentialOf(context) is { } credential
                        ? RateLimitPartition.GetTokenBucketLimiter(credential, _ => Bucket(perCredential))
                        : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    ChangesState(context) && perAddress > 0
                        ? RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "", _ => Bucket(perAddress))
                        : RateLimitPartition.GetNoLimiter("")));
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    private static bool ChangesState(HttpContext context) =>
        !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
          || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method));

    /// <summary>
    /// The credential's name where the service knows its credentials; else the presented header's hash (a webhook's
    /// own credentials), so a credential's limit is its own whichever token of a rotation it sends. A request without
    /// a credential has none: only its address's limit applies (one bucket for every such request would let one
    /// address starve the tokenless door for everyone).
    /// </summary>
    private static string? CredentialOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return null;
        }

        if (context.RequestServices.GetService<AccessPolicy>() is { } policy && policy.Authenticate(header) is { } caller)
        {
            return "credential:" + (caller.Name ?? "shared");
        }

        return "header:" + Convert.ToHexString(TokenSet.Hash(header));
    }

    private static TokenBucketRateLimiterOptions Bucket(int perMinute) => new()
    {
        TokenLimit = perMinute,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / perMinute),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        RejectedRequests.Count("rate_limited");
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Create(StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Too many requests that change state from this credential or address (Limits:PerCredentialPerMinute, Limits:PerAddressPerMinute): try again in {seconds} s.")
            .ExecuteAsync(context);
    }
}
