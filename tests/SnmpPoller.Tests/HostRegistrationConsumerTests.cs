using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>
/// The consumer holds registrations to Registration's own rules: what Registration would refuse never becomes a
/// polled node, it goes to the error queue naming the field.
/// </summary>
public sealed class HostRegistrationConsumerTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging()
        .AddSingleton(Options.Create(new SnmpPollerOptions()))
        .AddSingleton(TimeProvider.System)
        .AddSingleton<HostDirectory>()
        .AddMassTransitTestHarness(bus => bus.AddConsumer<HostRegistrationConsumer>())
        .BuildServiceProvider(validateScopes: true);

    private ITestHarness Harness => _services.GetRequiredService<ITestHarness>();

    public Task InitializeAsync() => Harness.Start();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Theory]
    [InlineData("node-1", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("node_1.swarm.local", true)]
    // Was a node here (an IPv6 literal), but Registration refuses it: "must be a host name". The stricter rule wins.
    [InlineData("fd00::5", false)]
    [InlineData("-bad", false)]
    [InlineData("a b", false)]
    [InlineData("node/../x", false)]
    [InlineData("", false)]
    public async Task Only_nodes_Registration_accepts_are_polled(string node, bool polled)
    {
        var message = Registered("pretix_web.1") with { Node = node };

        await Harness.Bus.Publish(message);

        Assert.True(await Harness.Consumed.Any<InstanceRegistered>(m => m.Context.Message.InstanceId == message.InstanceId));
        var consumed = Harness.Consumed.Select<InstanceRegistered>(m => m.Context.Message.InstanceId == message.InstanceId).First();
        Assert.Equal(polled, consumed.Exception is null);
        Assert.Equal(polled, _services.GetRequiredService<HostDirectory>().Snapshot().Any(h => h.Name == node));
        if (!polled)
        {
            Assert.Equal(["node"], Assert.IsType<InvalidMessageException>(consumed.Exception).Errors.Keys);
        }
    }

    public static TheoryData<string, string> Refused => new()
    {
        // Each is something Registration refuses; before, this consumer checked only the node, and more weakly.
        { "labels.job", "reserved label" },
        { "ttlSeconds", "a day and more" },
        { "address", "octal address" },
        { "instanceId", "instance id of 129 characters" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_registration_Registration_would_refuse_faults_naming_the_field(string field, string what)
    {
        var id = "refused_" + field.Replace('.', '_');
        var message = what switch
        {
            "reserved label" => Registered(id) with { Labels = new Dictionary<string, string> { ["job"] = "x" } },
            "a day and more" => Registered(id) with { TtlSeconds = 86_401 },
            "octal address" => Registered(id) with { Address = "010.0.0.5" },
            _ => Registered(id) with { InstanceId = new string('i', 129), Service = id },
        };

        await Harness.Bus.Publish(message);

        Assert.True(await Harness.Consumed.Any<InstanceRegistered>(m => m.Context.Message.Service == message.Service && m.Exception is not null));
        var consumed = Harness.Consumed.Select<InstanceRegistered>(m => m.Context.Message.Service == message.Service).First();
        Assert.Contains(field, Assert.IsType<InvalidMessageException>(consumed.Exception).Errors.Keys);
        Assert.DoesNotContain(_services.GetRequiredService<HostDirectory>().Snapshot(), h => h.Name == "node-9");
    }

    [Fact]
    public async Task A_deregistration_without_an_instance_id_faults_naming_it()
    {
        await Harness.Bus.Publish(new InstanceDeregistered(null!, "pretix_web", DeregistrationReason.Explicit, DateTimeOffset.UtcNow));

        Assert.True(await Harness.Consumed.Any<InstanceDeregistered>(m => m.Exception is not null));
        var consumed = Harness.Consumed.Select<InstanceDeregistered>(m => m.Exception is not null).First();
        Assert.Equal(["instanceId"], Assert.IsType<InvalidMessageException>(consumed.Exception).Errors.Keys);
    }

    private static InstanceRegistered Registered(string instanceId) =>
        new(instanceId, instanceId.Split('.')[0], 1, null, "node-9", "10.0.1.23", [], new Dictionary<string, string>(), 90, DateTimeOffset.UtcNow);
}
