using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;
using Serilog;

namespace PretixOps.ServiceDefaults;

/// <summary>What every service has: HTTPS when configured, structured logs, traces, <c>/metrics</c>, health endpoints, problem details, graceful shutdown.</summary>
public static class ServiceDefaultsExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    private static readonly Gauge BuildInfo = Metrics.CreateGauge(
        "pretixops_build_info",
        "Always 1: the service and version of this process.",
        "service", "version");

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(service);

        var urls = ServiceUrls.Resolve(builder.Configuration, service);
        builder.WebHost.UseUrls(urls);
        builder.AddServiceTls(urls);
        builder.Services.AddSingleton(service);
        builder.Services.AddSerilog((provider, logger) =>
            ServiceLogging.Configure(logger, builder.Configuration, service).ReadFrom.Services(provider),
            // The static logger stays the bootstrap one: hosts built side by side (tests) must not freeze each other's.
            preserveStaticLogger: true);
        builder.Services.AddServiceTracing(builder.Configuration, service);

        // SIGTERM (docker stop, swarm rolling update) stops the host; give in-flight messages time to finish.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.Services.AddProblemDetails();
        builder.Services.AddRequestLimits();
        builder.Services.AddValidatedOptions<TrustedProxyOptions>(TrustedProxyOptions.Section);
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, proxies) =>
        {
            // With both lists empty the middleware would believe anyone, so no trusted proxy means the
            // header is not read at all. The framework's default (loopback) is not trusted either.
            forwarded.ForwardedHeaders = proxies.Value.TrustedProxies.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in Networks.Parse(proxies.Value.TrustedProxies))
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("running"), tags: [LiveTag]);

        BuildInfo.WithLabels(service.Name, service.Version).Set(1);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseHttpMetrics(options => options.ReduceStatusCodeCardinality());

        if (app.Services.GetServices<IMetricsSource>().Any())
        {
            app.MapGet("/metrics", WriteMetricsAsync);
        }
        else
        {
            app.MapMetrics("/metrics");
        }
        app.MapHealthChecks(LivePath, Health(LiveTag));
        app.MapHealthChecks(ReadyPath, Health(ReadyTag));
        return app;
    }

    private static async Task WriteMetricsAsync(HttpContext context, IEnumerable<IMetricsSource> sources)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        foreach (var source in sources)
        {
            await source.WriteAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static HealthCheckOptions Health(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            // A degraded bus cannot take work: a load balancer must not send any.
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = HealthReportWriter.WriteAsync,
    };
}
