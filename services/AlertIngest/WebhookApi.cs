using Prometheus;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

/// <summary>
/// <c>/v1/alerts/alertmanager</c>, <c>/v1/alerts/grafana</c> (POST or PUT) and <c>/v1/alerts/grafana-legacy</c>:
/// authenticate, read at most MaxBodyBytes, check the signature, parse, publish with confirms, then 200.
/// </summary>
public static class WebhookApi
{
    private static readonly Counter Received = Metrics.CreateCounter(
        "pretixops_alerts_received_total", "Alerts accepted onto the bus, by source and status.", "source", "status");

    /// <summary>Every payload's publish, timed by AlertIngest's <see cref="ConfirmedPublisher"/>.</summary>
    internal static readonly Histogram PublishSeconds = ConfirmedPublisher.LatencyHistogram(
        "pretixops_alert_publish_seconds", "Time from publishing a payload's events to the last broker confirm.");

    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/alerts/alertmanager", (HttpContext context, WebhookHandler handler) =>
            handler.HandleAsync(context, AlertSource.Alertmanager));
        app.MapMethods("/v1/alerts/grafana", ["POST", "PUT"], (HttpContext context, WebhookHandler handler) =>
            handler.HandleAsync(context, AlertSource.Grafana));
        app.MapPost("/v1/alerts/grafana-legacy", (HttpContext context, WebhookHandler handler) =>
            handler.HandleAsync(context, AlertSource.GrafanaLegacy));
        return app;
    }

    public static void Count(AlertSource source, string status, int count = 1) =>
        Received.WithLabels(AlertParser.SourceKey(source), status).Inc(count);
}
