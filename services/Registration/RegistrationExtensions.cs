using MassTransit;
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
        builder.Services.AddScoped<RegistrationPublisher>();
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
