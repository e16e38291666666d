using Microsoft.Extensions.Options;
using PretixOps.Scaler.Api;
using PretixOps.Scaler.Intake;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Notifications;
using PretixOps.Scaler.Policy;
using PretixOps.Scaler.Readings;
using PretixOps.Scaler.Reconciliation;
using MassTransit;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler;

public static class ScalerExtensions
{
    /// <summary>
    /// The controller: the policy (reloaded on change), the journal every replica follows and the leader lock, the
    /// metric readings, the reconcile loop with its outbox, the intake of signals from the bus, and the status API.
    /// </summary>
    public static WebApplicationBuilder AddScaler(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<ScalerOptions>(ScalerOptions.Section);
        services.AddAccessPolicy();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PolicyStore>();

        // The journal first: hosted services stop in reverse order, so the loop stops before the journal closes.
        services.AddSingleton(sp => new ControllerState(sp.GetRequiredService<IOptions<ScalerOptions>>().Value.Retention));
        services.AddSingleton<StreamJournal>();
        services.AddSingleton<IJournal>(sp => sp.GetRequiredService<StreamJournal>());
        services.AddHostedService<Hosted<IJournal>>();
        services.AddSingleton<ILeadership, LeaderLease>();
        services.AddHostedService<Hosted<ILeadership>>();

        services.AddHttpClient(PrometheusSource.Client);
        services.AddSingleton<IMetricSource, PrometheusSource>();
        services.AddSingleton<MetricReadings>();
        services.AddHostedService<MetricPoller>();

        services.AddSingleton<ISwarm, DockerSwarm>();
        services.AddSingleton<DockerHealth>();
        services.AddSingleton<DecisionWriter>();
        services.AddHostedSingleton<Reconciler>();
        services.AddHostedService<Announcer>();

        services.AddSingleton<SignalIntake>();
        services.AddSingleton<StatusReport>();
        services.AddHealthChecks()
            .AddCheck<DockerHealth>("docker", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<JournalHealth>("journal", tags: [ServiceDefaultsExtensions.ReadyTag]);

        services.AddHttpClient(ChatNotifications.Client, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<ChatNotifications>();
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<SignalConsumer, SignalConsumerDefinition>();
            bus.AddConsumer<DecisionNotifier, DecisionNotifierDefinition>();
        });
        return builder;
    }

    public static WebApplication MapScaler(this WebApplication app)
    {
        app.MapDecisionsApi();
        app.MapServicesApi();
        return app;
    }

    /// <summary>One instance, resolvable by its type and run as a hosted service.</summary>
    private static void AddHostedSingleton<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
    }
}
