using System.Net;
using MassTransit.Testing;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

public sealed class AccessNetworkTests : IAsyncLifetime
{
    private readonly RegistrationHost _host = new(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Auth:AllowedNetworks:0"] = "10.0.0.0/8",
    });

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_right_token_from_outside_the_allowed_networks_is_forbidden()
    {
        // TestServer requests carry no remote address, which is outside 10.0.0.0/8.
        using var client = _host.Client();

        using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/v1/instances", UriKind.Relative),
            """{"service":"net_forbidden","slot":1,"address":"10.0.0.5"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "net_forbidden").Any());
    }

    [Fact]
    public async Task A_wrong_token_is_unauthorized_before_the_network_is_looked_at()
    {
        using var client = _host.Client("wrong-token-0123456789abcdef");

        using var response = await client.DeleteAsync(new Uri("/v1/instances/pretix_web.3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
