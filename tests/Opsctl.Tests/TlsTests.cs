using Microsoft.AspNetCore.Http;
using PretixOps.TestSupport;

namespace PretixOps.Opsctl.Tests;

/// <summary>opsctl against a Scaler that serves HTTPS: trusted with <c>--ca-file</c> (or its config key), refused without.</summary>
[Collection(ConsoleUse.Name)]
public sealed class TlsTests : IDisposable
{
    private readonly TestCa _ca = TestCa.Create();

    public void Dispose() => _ca.Dispose();

    [Fact]
    public async Task Status_over_https_succeeds_with_the_CA_file_and_is_refused_in_words_without_it()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text("[]", "application/json"), _ca.Issue("scaler", "127.0.0.1"));
        using var other = TestCa.Create("Some other CA");
        Assert.Equal("https", scaler.BaseAddress.Scheme);

        var trusted = await Cli.RunAsync("status", "--scaler", scaler.BaseAddress.ToString(), "--ca-file", _ca.CertificateFile);
        var untrusted = await Cli.RunAsync("status", "--scaler", scaler.BaseAddress.ToString());
        var wrong = await Cli.RunAsync("status", "--scaler", scaler.BaseAddress.ToString(), "--ca-file", other.CertificateFile);

        Assert.True(trusted.Code == 0, trusted.Error);
        Assert.Single(scaler.Requests);
        Assert.Equal(1, untrusted.Code);
        Assert.Contains("TLS refused", untrusted.Error, StringComparison.Ordinal);
        Assert.Contains("--ca-file", untrusted.Error, StringComparison.Ordinal);
        Assert.Equal(1, wrong.Code);
        Assert.Contains($"does not chain to the CA in {other.CertificateFile}", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CA_file_may_come_from_the_config_file_relative_to_it()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text("[]", "application/json"), _ca.Issue("scaler", "127.0.0.1"));
        var config = Path.Combine(_ca.Folder, "config.json");
        await File.WriteAllTextAsync(config, $$"""{"scaler": "{{scaler.BaseAddress}}", "caFile": "ca.pem"}""");

        var (code, _, error) = await Cli.RunAsync("status", "--config", config);

        Assert.True(code == 0, error);
    }

    [Theory]
    [InlineData("amqps://ops@rabbitmq-1/", 5671, true, "https://rabbitmq-1:15671/")]
    [InlineData("amqps://ops@rabbitmq-1:5674/", 5674, true, "https://rabbitmq-1:15671/")]
    [InlineData("amqp://ops@rabbitmq-1/", 5672, false, "http://rabbitmq-1:15672/")]
    public void Amqps_is_tls_on_5671_by_default_and_its_management_api_https(string broker, int port, bool tls, string management)
    {
        var settings = OpsctlSettings.Resolve(new OpsctlSettings.Flags(broker, null, null, null, null, null, null), _ => null);

        Assert.Equal((port, tls, new Uri(management)), (settings.BrokerPort, settings.BrokerTls, settings.Management));
    }

    [Fact]
    public void Inside_a_service_container_the_services_tls_settings_are_understood()
    {
        var environment = new Dictionary<string, string>
        {
            ["Messaging__Host"] = "rabbitmq-1",
            ["Messaging__Port"] = "5671",
            ["Messaging__UseTls"] = "true",
            ["Messaging__CaFile"] = _ca.CertificateFile,
        };

        var settings = OpsctlSettings.Resolve(new OpsctlSettings.Flags(null, null, null, null, null, null, null), name => environment.GetValueOrDefault(name));

        Assert.True(settings.BrokerTls);
        Assert.Equal(_ca.CertificateFile, settings.Trust.CaFile);
    }

    [Fact]
    public void A_CA_file_that_does_not_exist_is_one_line_naming_where_it_came_from()
    {
        var error = Assert.Throws<OpsctlException>(() => OpsctlSettings.Resolve(
            new OpsctlSettings.Flags(null, null, null, null, null, null, null, CaFile: "/nonexistent/ca.pem"), _ => null));

        Assert.Contains("/nonexistent/ca.pem", error.Message, StringComparison.Ordinal);
        Assert.Contains("--ca-file", error.Message, StringComparison.Ordinal);
    }
}
