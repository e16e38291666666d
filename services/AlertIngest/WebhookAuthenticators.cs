using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.AlertIngest;

/// <summary>One authenticator per endpoint, built once from the validated settings.</summary>
public sealed class WebhookAuthenticators(IOptions<AlertIngestOptions> options, TimeProvider clock)
{
    private readonly WebhookAuthenticator _alertmanager = new(options.Value.Alertmanager, clock);
    private readonly WebhookAuthenticator _grafana = new(options.Value.Grafana, clock);
    private readonly WebhookAuthenticator _legacy = new(options.Value.GrafanaLegacy, clock);

    public WebhookAuthenticator For(AlertSource source) => source switch
    {
        AlertSource.Alertmanager => _alertmanager,
        AlertSource.Grafana => _grafana,
        _ => _legacy,
    };
}
