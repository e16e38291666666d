using MassTransit;
using PretixOps.DiscoveryWriter.Engine;
using PretixOps.DiscoveryWriter.Files;
using PretixOps.DiscoveryWriter.State;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

public static class DiscoveryExtensions
{
    public static WebApplicationBuilder AddDiscovery(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<DiscoveryOptions>(DiscoveryOptions.Section);
        builder.Services.AddAccessPolicy();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IFileStore, AtomicFileWriter>();
        builder.Services.AddSingleton<RegistryStore>();
        builder.Services.AddSingleton<WriterLease>();
        builder.Services.AddSingleton<IEventPublisher, BusEventPublisher>();
        builder.Services.AddSingleton<DiscoveryEngine>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DiscoveryEngine>());
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<RegistryChangeConsumer, RegistryChangeConsumerDefinition>();
            bus.AddConsumer<ListInstancesConsumer, ListInstancesConsumerDefinition>();
        });
        return builder;
    }

    public static WebApplication MapDiscovery(this WebApplication app)
    {
        app.MapServiceDiscoveryApi();
        return app;
    }
}
