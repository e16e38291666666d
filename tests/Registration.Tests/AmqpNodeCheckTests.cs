using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>The AMQP door has no credential, but its registrations' nodes are checked against the swarm's all the same.</summary>
public sealed class AmqpNodeCheckTests : IAsyncLifetime
{
    private readonly RegistrationHost _host = new(new Dictionary<string, string>(StringComparer.Ordinal), remoteAddress: null,
        services: services => services.Replace(ServiceDescriptor.Singleton<ISwarmNodes>(new FakeSwarmNodes("node-1"))));

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_registration_over_amqp_naming_a_node_the_swarm_does_not_have_faults_naming_the_node()
    {
        await _host.Harness.Bus.Publish(new RegisterInstance(
            "amqp_node", 1, null, "attacker-host", "10.0.0.9", [new RegisterExporter("pretix", 9100, null, null, null)], null, null));

        Assert.True(await _host.Harness.Consumed.Any<RegisterInstance>(
            m => m.Context.Message.Service == "amqp_node" && m.Exception is InvalidRegistrationException));
        var exception = (InvalidRegistrationException)_host.Harness.Consumed
            .Select<RegisterInstance>(m => m.Context.Message.Service == "amqp_node").First().Exception;
        Assert.Equal(["node"], exception.Errors.Keys);
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "amqp_node").Any());
    }
}
