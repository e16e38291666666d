using System.Net;
using System.Text.Json;
using MassTransit.Testing;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>The report's <c>POST /service</c> from a loopback caller, with pretix_web's exporters configured.</summary>
public sealed class ReportFormatTests : IAsyncLifetime
{
    private static readonly Uri Service = new("/service", UriKind.Relative);

    private readonly RegistrationHost _host = new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Registration:ReportFormat:TtlSeconds"] = "60",
            ["Registration:ReportFormat:Exporters:pretix_web:0:Job"] = "pretix",
            ["Registration:ReportFormat:Exporters:pretix_web:0:Port"] = "9100",
            ["Registration:ReportFormat:Exporters:pretix_web:1:Job"] = "pretix_probe",
            ["Registration:ReportFormat:Exporters:pretix_web:1:Port"] = "8443",
            ["Registration:ReportFormat:Exporters:pretix_web:1:Path"] = "/probe",
            ["Registration:ReportFormat:Exporters:pretix_web:1:Scheme"] = "https",
        },
        IPAddress.Loopback);

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_report_registration_from_loopback_registers_the_slot_at_the_callers_address_with_the_configured_exporters()
    {
        // No token: the report's entrypoints send none.
        using var client = _host.Client(token: null);

        using var response = await InstancesApiTests.PostJsonAsync(client, Service, """{"service":"pretix_web.3"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("pretix_web.3", body.RootElement.GetProperty("instanceId").GetString());
        Assert.True(await _host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_web.3"));
        var registration = Assert.Single(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_web.3"))
            .Context.Message;
        Assert.Equal(("pretix_web", 3, "127.0.0.1", 60), (registration.Service, registration.Slot, registration.Address, registration.TtlSeconds));
        Assert.Collection(
            registration.Exporters,
            e => Assert.Equal(("pretix", 9100, "/metrics", "http"), (e.Job, e.Port, e.Path, e.Scheme)),
            e => Assert.Equal(("pretix_probe", 8443, "/probe", "https"), (e.Job, e.Port, e.Path, e.Scheme)));
        Assert.Equal(registration.RegisteredAt.AddSeconds(60), body.RootElement.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("""{"service":"pretix_web"}""")]
    [InlineData("""{"service":"pretix_web.x"}""")]
    [InlineData("""{"service":""}""")]
    [InlineData("{}")]
    public async Task A_report_registration_without_a_slot_is_refused_naming_the_service(string json)
    {
        using var client = _host.Client(token: null);

        using var response = await InstancesApiTests.PostJsonAsync(client, Service, json);

        await InstancesApiTests.AssertValidationProblemAsync(response, "service");
    }

    [Fact]
    public async Task A_report_registration_of_a_service_without_configured_exporters_is_refused_naming_the_service()
    {
        using var client = _host.Client(token: null);

        using var response = await InstancesApiTests.PostJsonAsync(client, Service, """{"service":"pretix_worker.1"}""");

        await InstancesApiTests.AssertValidationProblemAsync(response, "service");
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "pretix_worker").Any());
    }

    [Fact]
    public async Task A_report_registration_with_a_slot_over_a_million_is_refused_naming_the_slot()
    {
        using var client = _host.Client(token: null);

        using var response = await InstancesApiTests.PostJsonAsync(client, Service, """{"service":"pretix_web.1000001"}""");

        await InstancesApiTests.AssertValidationProblemAsync(response, "slot");
    }
}
