using System.Net;
using MassTransit;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary><c>GET /v1/instances</c> answers what DiscoveryWriter lists, in the JSON opsctl reads (<see cref="ListedInstance"/>).</summary>
public sealed class InstanceListTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly RegistrationHost _host = new(
        new Dictionary<string, string>(StringComparer.Ordinal),
        bus: bus => bus.AddHandler<ListInstances>(context => context.RespondAsync(new InstanceList(
        [
            new RegisteredInstance(
                new InstanceRegistered("pretix_web.3", "pretix_web", 3, null, "node-1", "10.0.0.5",
                    [new ExporterEndpoint("pretix", 9100, "/metrics", "http", new Dictionary<string, string> { ["Team"] = "ops" })],
                    new Dictionary<string, string> { ["env"] = "prod" }, 90, At),
                At.AddSeconds(90)),
            new RegisteredInstance(
                new InstanceRegistered("x8k2m9q4r7", "pretix_worker", null, "x8k2m9q4r7", null, "fd00::5", [], new Dictionary<string, string>(), 0, At),
                null),
        ]))));

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_list_is_answered_with_exactly_the_property_names_and_values_opsctl_reads()
    {
        using var client = _host.Client();

        using var response = await client.GetAsync(new Uri("/v1/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """
            [{"instanceId":"pretix_web.3","service":"pretix_web","slot":3,"taskId":null,"node":"node-1","address":"10.0.0.5",
            "exporters":[{"job":"pretix","port":9100,"path":"/metrics","scheme":"http","labels":{"Team":"ops"}}],"labels":{"env":"prod"},
            "ttlSeconds":90,"registeredAt":"2025-06-01T12:00:00+00:00","expiresAt":"2025-06-01T12:01:30+00:00"},
            {"instanceId":"x8k2m9q4r7","service":"pretix_worker","slot":null,"taskId":"x8k2m9q4r7","node":null,"address":"fd00::5",
            "exporters":[],"labels":{},"ttlSeconds":0,"registeredAt":"2025-06-01T12:00:00+00:00","expiresAt":null}]
            """.ReplaceLineEndings(""),
            await response.Content.ReadAsStringAsync());
    }
}
