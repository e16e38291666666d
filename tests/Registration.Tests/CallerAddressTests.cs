using System.Net;
using System.Text.Json;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>Requests that appear to come from an IPv4 client seen as <c>::ffff:10.1.2.3</c>, with the API open to 10.0.0.0/8 only.</summary>
public sealed class CallerAddressTests : IAsyncLifetime
{
    private readonly RegistrationHost _host = new(
        new Dictionary<string, string>(StringComparer.Ordinal) { ["Auth:AllowedNetworks:0"] = "10.0.0.0/8" },
        IPAddress.Parse("::ffff:10.1.2.3"));

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_caller_inside_the_allowed_networks_registers_at_its_ipv4_address_when_the_body_has_none()
    {
        using var client = _host.Client();

        using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/v1/instances", UriKind.Relative),
            """{"service":"caller_address","slot":4,"exporters":[{"job":"pretix","port":9100}]}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await _host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.Service == "caller_address"));
        var registration = Assert.Single(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "caller_address"))
            .Context.Message;
        Assert.Equal("caller_address.4", registration.InstanceId);
        Assert.Equal("10.1.2.3", registration.Address);
    }

    [Fact]
    public async Task The_report_format_is_forbidden_from_a_caller_outside_loopback_even_with_a_token()
    {
        using var client = _host.Client();

        using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/service", UriKind.Relative), """{"service":"pretix_web.3"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(403, body.RootElement.GetProperty("status").GetInt32());
    }
}
