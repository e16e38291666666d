using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

public static class RegistrationExtensions
{
    public static WebApplicationBuilder AddRegistration(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<RegistrationOptions>(RegistrationOptions.Section);
        builder.Services.AddAccessPolicy();
        builder.Services.AddConfirmedPublisher(RegistrationIntake.PublishSeconds,
            provider => provider.GetRequiredService<IOptions<RegistrationOptions>>().Value.PublishTimeout);
        builder.Services.AddScoped<RegistrationIntake>();
        builder.Services.AddSingleton<ISwarmNodes, SwarmNodes>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<RegisterInstanceConsumer, RegisterInstanceConsumerDefinition>();
            bus.AddRequestClient<ListInstances>();
        });
        return builder;
    }

    public static WebApplication MapRegistration(this WebApplication app)
    {
        app.MapInstancesApi();
        app.MapReportFormatApi();
        return app;
    }
}
