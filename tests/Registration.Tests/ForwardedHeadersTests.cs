using System.Net;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>X-Forwarded-For names the caller only when it comes from a configured trusted proxy.</summary>
public sealed class ForwardedHeadersTests
{
    private static readonly IPAddress Proxy = IPAddress.Parse("10.0.0.2");

    [Theory]
    [InlineData(null, "10.0.0.2")]
    [InlineData("10.0.0.9/32", "10.0.0.2")]
    [InlineData("10.0.0.2/32", "10.9.9.9")]
    [InlineData("10.0.0.0/24", "10.9.9.9")]
    public async Task The_caller_address_comes_from_X_Forwarded_For_only_behind_a_trusted_proxy(string? trusted, string registeredAt)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (trusted is not null)
        {
            settings["ForwardedHeaders:TrustedProxies:0"] = trusted;
        }

        var host = new RegistrationHost(settings, Proxy);
        await host.InitializeAsync();
        try
        {
            using var client = host.Client();
            client.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");

            using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/v1/instances", UriKind.Relative),
                """{"service":"forwarded","slot":1,"exporters":[{"job":"pretix","port":9100}]}""");

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(await host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.Service == "forwarded"));
            var registration = host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "forwarded").Single().Context.Message;
            Assert.Equal(registeredAt, registration.Address);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
