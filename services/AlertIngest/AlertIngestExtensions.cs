using Microsoft.Extensions.Options;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

public static class AlertIngestExtensions
{
    public static WebApplicationBuilder AddAlertIngest(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<AlertIngestOptions>(AlertIngestOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WebhookAuthenticators>();
        builder.Services.AddSingleton<LegacyEpisodes>();
        builder.Services.AddConfirmedPublisher(WebhookApi.PublishSeconds,
            provider => provider.GetRequiredService<IOptions<AlertIngestOptions>>().Value.PublishTimeout);
        builder.Services.AddScoped<WebhookHandler>();
        builder.AddMessaging();
        return builder;
    }

    public static WebApplication MapAlertIngest(this WebApplication app)
    {
        app.MapWebhookApi();
        return app;
    }
}
