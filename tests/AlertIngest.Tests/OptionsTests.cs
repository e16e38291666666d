using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest.Tests;

public sealed class OptionsTests
{
    private static readonly Dictionary<string, string?> Complete = new()
    {
        ["AlertIngest:Alertmanager:Username"] = "alertmanager",
        ["AlertIngest:Alertmanager:Password"] = "am-password-0123456789",
        ["AlertIngest:Grafana:Hmac:Secret"] = "hmac-secret-0123456789",
        ["AlertIngest:GrafanaLegacy:Tokens:0"] = "legacy-token-0123456789",
    };

    [Fact]
    public void Each_endpoint_with_some_credential_is_accepted()
    {
        Assert.NotNull(Bind(Complete).Value);
    }

    [Theory]
    [InlineData("AlertIngest:GrafanaLegacy:Tokens:0", "", "AlertIngest:GrafanaLegacy: no credentials")]
    [InlineData("AlertIngest:GrafanaLegacy:Tokens:0", "short", "AlertIngest:GrafanaLegacy: every token must be at least 16 characters long.")]
    [InlineData("AlertIngest:Alertmanager:Password", "", "AlertIngest:Alertmanager: set Password (environment) or PasswordFile (a secret file).")]
    [InlineData("AlertIngest:Grafana:Hmac:Secret", "", "AlertIngest:Grafana: Hmac: set Secret (environment) or SecretFile (a secret file).")]
    public void An_endpoint_without_usable_credentials_stops_the_service_naming_it(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>(Complete) { [key] = value };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(settings).Value);

        Assert.StartsWith(expected, ConfigurationFailure.Describe(error), StringComparison.Ordinal);
    }

    private static IOptions<AlertIngestOptions> Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<AlertIngestOptions>(AlertIngestOptions.Section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<AlertIngestOptions>>();
    }
}
