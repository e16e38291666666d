using MassTransit;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;
using PretixOps.SnmpPoller.Polling;
using PretixOps.Snmp;
using Prometheus;

namespace PretixOps.SnmpPoller;

public static class SnmpPollerExtensions
{
    private static readonly Counter Dropped = Metrics.CreateCounter("snmp_client_dropped_datagrams_total",
        "Datagrams the SNMP client threw away: malformed, unexpected (late), from the wrong source, or failing authentication.", "reason");

    public static WebApplicationBuilder AddSnmpPoller(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<SnmpPollerOptions>(SnmpPollerOptions.Section);
        // /snmp takes a credential: without one anybody who reaches it could make the poller send the community.
        builder.Services.AddAccessPolicy();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SnmpCredentials>();
        builder.Services.AddSingleton<ISnmpClient>(_ => new SnmpClient(reason => Dropped.WithLabels(reason).Inc()));
        builder.Services.AddSingleton<HostPoller>();
        builder.Services.AddSingleton<HostDirectory>();
        builder.Services.AddSingleton<PollResults>();
        builder.Services.AddSingleton<IMetricsSource>(provider => provider.GetRequiredService<PollResults>());
        builder.Services.AddHostedService<PollScheduler>();
        builder.Services.AddHostedService<HostBootstrap>();
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<HostRegistrationConsumer, HostRegistrationConsumerDefinition>();
            bus.AddRequestClient<ListInstances>();
        });
        return builder;
    }

    public static WebApplication MapSnmpPoller(this WebApplication app)
    {
        app.MapSnmpApi();
        return app;
    }
}
