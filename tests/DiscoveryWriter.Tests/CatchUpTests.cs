using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>
/// After a restart the queue holds the renewals that arrived meanwhile: nothing expires until they are
/// applied, so a restart never empties and refills a file.
/// </summary>
public sealed class CatchUpTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Nothing_expires_while_the_bus_is_down_after_a_restart_and_a_renewal_waiting_in_the_queue_keeps_the_entry()
    {
        await using var rig = EngineRig.Create();
        await rig.StartAsync();
        await rig.Engine.SubmitAsync(Registered(at: T0, ttlSeconds: 30), CancellationToken.None);
        await Eventually.ValueAsync(() => Task.FromResult(Groups(rig.Files.Text(rig.JobFile("pretix")))), n => n == 1, Bound);
        await rig.StopAsync();

        // Down for longer than the TTL; the renewal sent meanwhile waits in the queue for the bus to reconnect.
        await using var restarted = rig.Restarted();
        restarted.Clock.Advance(TimeSpan.FromSeconds(60));
        restarted.Events.BusReady = false;
        await restarted.StartAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, Groups(restarted.Files.Text(restarted.JobFile("pretix"))));
        Assert.Empty(restarted.Events.Published.OfType<InstanceDeregistered>());

        restarted.Events.BusReady = true;
        await restarted.Engine.SubmitAsync(Registered(at: T0.AddSeconds(55), ttlSeconds: 30), CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.Equal(1, Groups(restarted.Files.Text(restarted.JobFile("pretix"))));
        Assert.Empty(restarted.Events.Published.OfType<InstanceDeregistered>());
    }

    [Fact]
    public void A_change_on_the_bus_that_names_a_path_or_lacks_its_exporters_can_never_be_applied()
    {
        var escaping = Registered(at: T0) with { Exporters = [new ExporterEndpoint("../../etc/cron.d/x", 80, "/metrics", "http", new Dictionary<string, string>())] };
        var hollow = Registered(at: T0) with { Exporters = null! };

        Assert.Throws<InvalidMessageException>(() => Check(escaping));
        Assert.Throws<InvalidMessageException>(() => Check(hollow));
        Assert.Throws<InvalidMessageException>(() => Check(Registered(at: T0) with { Address = "10.0.0.1\n" }));
        Assert.Throws<InvalidMessageException>(() => Check(new InstanceDeregistered("../x", "s", DeregistrationReason.Explicit, T0)));
        Check(Registered(at: T0));
    }

    /// <summary>What <see cref="RegistryChangeConsumer"/> does first with every change.</summary>
    private static void Check(InstanceRegistered message) => InvalidMessageException.ThrowIfAny(message, InstanceRegisteredRules.Check(message));

    private static void Check(InstanceDeregistered message) => InvalidMessageException.ThrowIfAny(message, InstanceDeregisteredRules.Check(message));
}
