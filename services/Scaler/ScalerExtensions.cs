using MassTransit;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler;

public static class ScalerExtensions
{
    public static WebApplicationBuilder AddScaler(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<ScalerOptions>(ScalerOptions.Section);
        builder.Services.AddAccessPolicy();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DecisionHistory>();
        builder.Services.AddSingleton<ISwarm, DockerSwarm>();
        builder.Services.AddSingleton<ScaleEngine>();
        builder.Services.AddHostedService<DeferredScaleDowns>();
        builder.Services.AddHttpClient(ChatNotifications.Client, c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<ChatNotifications>();
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<ScaleConsumer, ScaleConsumerDefinition>();
            bus.AddConsumer<FailedScaleConsumer, FailedScaleConsumerDefinition>();
            bus.AddConsumer<DecisionNotifier, DecisionNotifierDefinition>();
            bus.AddConsumer<RecordReplicaConsumer, RecordReplicaConsumerDefinition>();
        });
        return builder;
    }

    public static WebApplication MapScaler(this WebApplication app)
    {
        app.MapDecisionsApi();
        return app;
    }
}
