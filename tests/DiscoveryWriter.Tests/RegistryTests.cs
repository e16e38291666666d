using PretixOps.Contracts;
using System.Text.Json;
using PretixOps.DiscoveryWriter.State;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

public sealed class RegistryTests
{
    private readonly Registry _registry = new();

    [Fact]
    public void A_registration_adds_the_instance_with_its_expiry_and_names_its_jobs()
    {
        var jobs = _registry.Apply(Registered(exporters: [Exporter("pretix"), Exporter("node", 9101)], ttlSeconds: 30));

        Assert.Equal(["node", "pretix"], jobs.Order(StringComparer.Ordinal));
        var entry = Assert.Single(_registry.Instances);
        Assert.Equal("pretix_web.1", entry.Registration.InstanceId);
        Assert.Equal(T0.AddSeconds(30), entry.ExpiresAt);
    }

    [Fact]
    public void A_registration_with_ttl_zero_never_expires()
    {
        _registry.Apply(Registered(ttlSeconds: 0));

        Assert.Null(Assert.Single(_registry.Instances).ExpiresAt);
        Assert.Empty(_registry.Expire(T0.AddYears(10)));
        Assert.Equal(1, _registry.Count);
    }

    [Fact]
    public void A_newer_registration_replaces_the_older_one()
    {
        _registry.Apply(Registered(address: "10.0.0.1", at: T0));

        var jobs = _registry.Apply(Registered(address: "10.0.0.2", at: T0.AddSeconds(10)));

        Assert.Equal(["pretix"], jobs);
        var entry = Assert.Single(_registry.Instances);
        Assert.Equal("10.0.0.2", entry.Registration.Address);
        Assert.Equal(T0.AddSeconds(100), entry.ExpiresAt);
    }

    [Fact]
    public void A_replacement_names_the_jobs_of_both_the_old_and_the_new_registration()
    {
        _registry.Apply(Registered(exporters: [Exporter("pretix")], at: T0));

        var jobs = _registry.Apply(Registered(exporters: [Exporter("node")], at: T0.AddSeconds(1)));

        Assert.Equal(["node", "pretix"], jobs.Order(StringComparer.Ordinal));
        Assert.Empty(_registry.InstancesOf("pretix"));
        Assert.Single(_registry.InstancesOf("node"));
    }

    [Fact]
    public void An_older_registration_arriving_after_a_newer_one_is_ignored()
    {
        _registry.Apply(Registered(address: "10.0.0.2", at: T0.AddSeconds(10)));

        var jobs = _registry.Apply(Registered(address: "10.0.0.1", at: T0));

        Assert.Empty(jobs);
        Assert.Equal("10.0.0.2", Assert.Single(_registry.Instances).Registration.Address);
    }

    [Fact]
    public void A_deregistration_removes_the_instance_and_names_its_jobs()
    {
        _registry.Apply(Registered(at: T0));

        var jobs = _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(5)));

        Assert.Equal(["pretix"], jobs);
        Assert.Empty(_registry.Instances);
        Assert.Equal(0, _registry.Count);
    }

    [Fact]
    public void A_deregistration_older_than_the_registration_keeps_the_instance()
    {
        _registry.Apply(Registered(at: T0.AddSeconds(10)));

        var jobs = _registry.Apply(Deregistered("pretix_web.1", T0));

        Assert.Empty(jobs);
        Assert.Single(_registry.Instances);
    }

    [Fact]
    public void A_deregistration_naming_another_service_leaves_the_entry_and_one_naming_none_or_its_own_removes_it()
    {
        _registry.Apply(Registered(service: "pretix_pg-1", slot: null, taskId: "x7f3task", at: T0));

        Assert.Empty(_registry.Apply(new InstanceDeregistered("x7f3task", "pretix_web", DeregistrationReason.Explicit, T0.AddSeconds(5))));
        Assert.Single(_registry.Instances);

        Assert.NotEmpty(_registry.Apply(new InstanceDeregistered("x7f3task", "pretix_pg-1", DeregistrationReason.Explicit, T0.AddSeconds(6))));
        Assert.Empty(_registry.Instances);
    }

    [Fact]
    public void A_deregistration_of_an_unknown_instance_changes_no_job()
    {
        Assert.Empty(_registry.Apply(Deregistered("pretix_web.9", T0)));
    }

    [Fact]
    public void A_registration_older_than_a_remembered_deregistration_is_ignored()
    {
        _registry.Apply(Registered(at: T0));
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));

        var jobs = _registry.Apply(Registered(at: T0.AddSeconds(5)));

        Assert.Empty(jobs);
        Assert.Empty(_registry.Instances);
    }

    [Fact]
    public void A_registration_as_old_as_the_deregistration_is_ignored()
    {
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));

        Assert.Empty(_registry.Apply(Registered(at: T0.AddSeconds(10))));
        Assert.Empty(_registry.Instances);
    }

    [Fact]
    public void A_deregistration_arriving_before_its_registration_still_keeps_the_older_registration_out()
    {
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));

        Assert.Empty(_registry.Apply(Registered(at: T0)));
        Assert.Empty(_registry.Instances);
    }

    [Fact]
    public void A_registration_newer_than_the_deregistration_adds_the_instance_again()
    {
        _registry.Apply(Registered(at: T0));
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));

        var jobs = _registry.Apply(Registered(address: "10.0.0.9", at: T0.AddSeconds(11)));

        Assert.Equal(["pretix"], jobs);
        Assert.Equal("10.0.0.9", Assert.Single(_registry.Instances).Registration.Address);
    }

    [Fact]
    public void An_older_deregistration_does_not_move_the_remembered_one_back()
    {
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));
        _registry.Apply(Deregistered("pretix_web.1", T0));

        Assert.Empty(_registry.Apply(Registered(at: T0.AddSeconds(5))));
        Assert.Equal(T0.AddSeconds(10), _registry.ToState().Tombstones["pretix_web.1"]);
    }

    [Fact]
    public void Expire_removes_only_the_entries_whose_ttl_has_passed()
    {
        _registry.Apply(Registered(slot: 1, ttlSeconds: 30));
        _registry.Apply(Registered(slot: 2, ttlSeconds: 60));
        _registry.Apply(Registered(slot: 3, ttlSeconds: 0));

        var expired = _registry.Expire(T0.AddSeconds(30));

        Assert.Equal("pretix_web.1", Assert.Single(expired).Registration.InstanceId);
        Assert.Equal(["pretix_web.2", "pretix_web.3"], _registry.Instances.Select(i => i.Registration.InstanceId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Expire_before_the_ttl_removes_nothing()
    {
        _registry.Apply(Registered(ttlSeconds: 30));

        Assert.Empty(_registry.Expire(T0.AddSeconds(29)));
        Assert.Single(_registry.Instances);
    }

    [Fact]
    public void An_expired_instance_is_remembered_so_a_registration_older_than_its_expiry_does_not_bring_it_back()
    {
        _registry.Apply(Registered(ttlSeconds: 30, at: T0));
        _registry.Expire(T0.AddSeconds(31));

        Assert.Empty(_registry.Apply(Registered(ttlSeconds: 30, at: T0.AddSeconds(20))));
        Assert.NotEmpty(_registry.Apply(Registered(ttlSeconds: 30, at: T0.AddSeconds(31))));
        Assert.Single(_registry.Instances);
    }

    [Fact]
    public void A_job_is_remembered_after_it_loses_its_last_instance()
    {
        _registry.Apply(Registered(exporters: [Exporter("pretix"), Exporter("node", 9101)], ttlSeconds: 30));
        _registry.Apply(Registered(slot: 2, exporters: [Exporter("node", 9101)], ttlSeconds: 0));

        _registry.Expire(T0.AddSeconds(30));

        Assert.Equal(["node", "pretix"], _registry.Jobs.Order(StringComparer.Ordinal));
        Assert.Empty(_registry.InstancesOf("pretix"));
        Assert.Single(_registry.InstancesOf("node"));
    }

    [Fact]
    public void Tombstones_older_than_the_retention_are_pruned_and_stop_keeping_old_registrations_out()
    {
        _registry.Apply(Deregistered("pretix_web.1", T0.AddSeconds(10)));
        _registry.Apply(Deregistered("pretix_web.2", T0.AddSeconds(30)));

        _registry.PruneTombstones(T0.AddSeconds(20));

        Assert.Equal(["pretix_web.2"], _registry.ToState().Tombstones.Keys);
        Assert.NotEmpty(_registry.Apply(Registered(slot: 1, at: T0)));
        Assert.Empty(_registry.Apply(Registered(slot: 2, at: T0)));
    }

    [Fact]
    public void Generations_increase_with_every_write_and_never_fall_below_the_clock()
    {
        _registry.Apply(Registered());
        var ms = T0.ToUnixTimeMilliseconds();

        Assert.Equal(ms, _registry.NextGeneration("pretix", T0));
        Assert.Equal(ms + 1, _registry.NextGeneration("pretix", T0));
        Assert.Equal(ms + 1, _registry.ToState().Generations["pretix"]);
        Assert.Equal(ms + 5000, _registry.NextGeneration("pretix", T0.AddSeconds(5)));
    }

    [Fact]
    public void A_generation_lost_in_a_crash_is_not_handed_out_again_after_a_restart()
    {
        _registry.Apply(Registered());
        var saved = _registry.ToState();
        var beforeCrash = _registry.NextGeneration("pretix", T0.AddSeconds(1));

        var restarted = Registry.FromState(saved);

        Assert.True(restarted.NextGeneration("pretix", T0.AddSeconds(2)) > beforeCrash);
    }

    [Fact]
    public void The_state_round_trip_keeps_entries_expiries_tombstones_and_jobs()
    {
        _registry.Apply(Registered(slot: 1, ttlSeconds: 30, labels: new Dictionary<string, string> { ["env"] = "prod" }));
        _registry.Apply(Registered(slot: 2, ttlSeconds: 0, exporters: [Exporter("node", 9101)]));
        _registry.Apply(Registered(slot: 3));
        _registry.Apply(Deregistered("pretix_web.3", T0.AddSeconds(5)));
        var generation = _registry.NextGeneration("pretix", T0);

        var restored = Registry.FromState(_registry.ToState());

        Assert.Equal(2, restored.Count);
        Assert.Equal(["node", "pretix"], restored.Jobs.Order(StringComparer.Ordinal));
        var one = restored.Instances.Single(i => i.Registration.InstanceId == "pretix_web.1");
        Assert.Equal(T0.AddSeconds(30), one.ExpiresAt);
        Assert.Equal("prod", one.Registration.Labels["env"]);
        Assert.Null(restored.Instances.Single(i => i.Registration.InstanceId == "pretix_web.2").ExpiresAt);
        Assert.Equal(T0.AddSeconds(5), restored.ToState().Tombstones["pretix_web.3"]);
        Assert.Empty(restored.Apply(Registered(slot: 3, at: T0.AddSeconds(4))));
        Assert.Equal(generation + 1, restored.NextGeneration("pretix", T0));
        Assert.Equal("pretix_web.1", Assert.Single(restored.Expire(T0.AddSeconds(30))).Registration.InstanceId);
    }

    [Fact]
    public void The_state_lists_entries_by_instance_id()
    {
        _registry.Apply(Registered(slot: 3));
        _registry.Apply(Registered(slot: 1));
        _registry.Apply(Registered(slot: 2));

        Assert.Equal(["pretix_web.1", "pretix_web.2", "pretix_web.3"], _registry.ToState().Entries.Select(e => e.Registration.InstanceId));
    }

    [Fact]
    public void The_state_survives_json_as_the_store_writes_it()
    {
        _registry.Apply(Registered(slot: 1, ttlSeconds: 30, labels: new Dictionary<string, string> { ["Team"] = "ops" }));
        _registry.Apply(Deregistered("pretix_web.2", T0.AddSeconds(5)));

        var json = JsonSerializer.SerializeToUtf8Bytes(_registry.ToState(), JsonSerializerOptions.Web);
        var restored = Registry.FromState(JsonSerializer.Deserialize<RegistryState>(json, JsonSerializerOptions.Web)!);

        var entry = Assert.Single(restored.Instances);
        Assert.Equal(T0.AddSeconds(30), entry.ExpiresAt);
        Assert.Equal("ops", entry.Registration.Labels["Team"]);
        Assert.Equal(T0.AddSeconds(5), restored.ToState().Tombstones["pretix_web.2"]);
    }
}
