using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// One trace per piece of work across the bus: ASP.NET Core starts it (or continues the caller's <c>traceparent</c>),
/// HttpClient and MassTransit carry it on, and the services' own <see cref="Source"/> continues it where work leaves
/// the message that caused it (a batched file write, a reconcile loop). Spans are always made, so every log line
/// written inside one carries its trace id (<c>@tr</c>); they leave the process only over OTLP, and only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter's own variables, such as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// apply as documented by OpenTelemetry).
/// </summary>
public static class ServiceTracing
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>MassTransit's own activity source (<c>DiagnosticHeaders.DefaultListenerName</c>).</summary>
    public const string MassTransitSource = "MassTransit";

    public const string SourceName = "PretixOps";

    /// <summary>The spans PretixOps starts itself, where work goes on after the message or request that caused it.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    public static IServiceCollection AddServiceTracing(this IServiceCollection services, IConfiguration configuration, ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(service);
        var export = !string.IsNullOrWhiteSpace(configuration[EndpointKey]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service.Name, serviceVersion: service.Version))
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(SourceName, MassTransitSource)
                    // Probes and scrapes arrive every few seconds and cause nothing: they would bury the traces that do.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHousekeeping(context.Request.Path))
                    // Only calls made on behalf of a traced piece of work: a polling loop's queries start no trace. (The
                    // filter runs once the call's own span is current: whether that span has a parent is the question.)
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = _ => Activity.Current is { } call && call.ParentSpanId != default);
                if (export)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// A span that continues the trace recorded as <paramref name="traceParent"/> (a W3C <c>traceparent</c>, as
    /// <see cref="Activity.Id"/> gives it), or a new trace when there is none or it cannot be read.
    /// </summary>
    public static Activity? Continue(string name, string? traceParent)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        return Source.StartActivity(name, ActivityKind.Internal, parent);
    }

    private static bool IsHousekeeping(PathString path) =>
        path.StartsWithSegments("/metrics", StringComparison.Ordinal)
        || path.StartsWithSegments("/healthz", StringComparison.Ordinal);
}
