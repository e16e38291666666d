using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PretixOps.Contracts;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>Which hosts are polled as instances come and go.</summary>
public sealed class HostDirectoryTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-26T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private HostDirectory Directory(Action<SnmpPollerOptions>? configure = null)
    {
        var options = new SnmpPollerOptions { Discovery = { GracePeriod = TimeSpan.FromMinutes(2), Port = 1161 } };
        configure?.Invoke(options);
        return new HostDirectory(Options.Create(options), _clock);
    }

    private InstanceRegistered Registered(string id, string? node, int secondsAgo = 0) =>
        new(id, "pretix_web", 1, null, node, "10.0.1.23", [], new Dictionary<string, string>(), 90, _clock.GetUtcNow().AddSeconds(-secondsAgo));

    private InstanceDeregistered Gone(string id) => new(id, "pretix_web", DeregistrationReason.Expired, _clock.GetUtcNow());

    [Fact]
    public void A_node_is_polled_while_an_instance_runs_on_it_and_for_the_grace_period_after_the_last_leaves()
    {
        var hosts = Directory();
        hosts.Apply(Registered("pretix_web.1", "node-1"));
        hosts.Apply(Registered("pretix_web.2", "node-1"));
        var host = Assert.Single(hosts.Snapshot());
        Assert.Equal(new PolledHost("node-1", "node-1", 1161, "public_v2", TimeSpan.FromSeconds(30), false), host);

        _clock.Advance(TimeSpan.FromSeconds(1));
        hosts.Apply(Gone("pretix_web.1"));
        hosts.Apply(Gone("pretix_web.2"));
        _clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, hosts.Sweep());
        Assert.Single(hosts.Snapshot());

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, hosts.Sweep());
        Assert.Empty(hosts.Snapshot());
    }

    [Fact]
    public void An_instance_that_comes_back_within_the_grace_period_keeps_its_node()
    {
        var hosts = Directory();
        hosts.Apply(Registered("pretix_web.1", "node-1"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        hosts.Apply(Gone("pretix_web.1"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        hosts.Apply(Registered("pretix_web.1", "node-1"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        hosts.Sweep();
        Assert.Single(hosts.Snapshot());
    }

    [Fact]
    public void A_registration_older_than_the_deregistration_does_not_bring_the_node_back()
    {
        var hosts = Directory();
        hosts.Apply(Gone("pretix_web.1"));
        hosts.Apply(Registered("pretix_web.1", "node-1", secondsAgo: 30));
        Assert.Empty(hosts.Snapshot());
    }

    [Fact]
    public void An_instance_that_moves_leaves_its_old_node()
    {
        var hosts = Directory();
        hosts.Apply(Registered("pretix_web.1", "node-1"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        hosts.Apply(Registered("pretix_web.1", "node-2"));
        _clock.Advance(TimeSpan.FromMinutes(3));
        hosts.Sweep();
        Assert.Equal("node-2", Assert.Single(hosts.Snapshot()).Name);
    }

    [Fact]
    public void A_configured_host_is_polled_always_and_once_even_when_instances_run_on_it()
    {
        var hosts = Directory(o => o.Hosts.Add(new StaticHostOptions { Name = "node-1", Address = "10.0.0.1", Auth = "public_v2" }));
        hosts.Apply(Registered("pretix_web.1", "NODE-1"));
        var host = Assert.Single(hosts.Snapshot());
        Assert.True(host.IsStatic);
        Assert.Equal("10.0.0.1", host.Address);
        Assert.Same(host.Name, hosts.Find("10.0.0.1", 161)!.Name);
    }

    [Fact]
    public void Registrations_without_a_node_or_with_discovery_off_add_nothing()
    {
        var hosts = Directory();
        hosts.Apply(Registered("pretix_web.1", null));
        Assert.Empty(hosts.Snapshot());
        var off = Directory(o => o.Discovery.Enabled = false);
        off.Apply(Registered("pretix_web.1", "node-1"));
        Assert.Empty(off.Snapshot());
    }
}
