using System.Text;
using System.Text.Json;
using PretixOps.Contracts;
using PretixOps.TestSupport;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

public sealed class DiscoveryEngineTests : IAsyncLifetime
{
    /// <summary>Only there so a broken engine fails the test instead of hanging it; not a performance bound.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<EngineRig> _rigs = [];
    private EngineRig _rig = null!;

    public Task InitializeAsync()
    {
        _rig = Track(EngineRig.Create());
        return _rig.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var rig in _rigs)
        {
            await rig.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_burst_of_500_registrations_is_saved_and_written_in_a_few_writes()
    {
        var registrations = Enumerable.Range(0, 500)
            .Select(slot => Registered(slot: slot, address: $"10.0.{slot / 256}.{slot % 256}", at: _rig.Clock.GetUtcNow()))
            .ToList();

        await Task.WhenAll(registrations.Select(r => Task.Run(() => _rig.Engine.SubmitAsync(r, CancellationToken.None))));

        var groups = await Eventually.ValueAsync(() => Task.FromResult(Groups(_rig.Files.Text(_rig.JobFile("pretix")))), n => n == 500, Bound);
        Assert.Equal(500, groups);
        Assert.InRange(_rig.Files.Writes(_rig.JobFile("pretix")), 1, 3);
        Assert.Equal(500, (await _rig.Engine.ListAsync(null, "pretix", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task An_instance_not_renewed_within_its_ttl_expires_on_the_injected_clock_and_its_expiry_is_announced()
    {
        await _rig.Engine.SubmitAsync(Registered(ttlSeconds: 30, at: _rig.Clock.GetUtcNow()), CancellationToken.None);
        var written = await Eventually.ValueAsync(() => Task.FromResult(Groups(_rig.Files.Text(_rig.JobFile("pretix")))), n => n == 1, Bound);
        Assert.Equal(1, written);

        _rig.Clock.Advance(TimeSpan.FromSeconds(31));

        var text = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(_rig.JobFile("pretix"))), t => t == "[]\n", Bound);
        Assert.Equal("[]\n", text);
        var expired = await Eventually.ValueAsync(
            () => Task.FromResult(_rig.Events.Published.OfType<InstanceDeregistered>().ToList()), e => e.Count > 0, Bound);
        var message = Assert.Single(expired);
        Assert.Equal(("pretix_web.1", "pretix_web", DeregistrationReason.Expired), (message.InstanceId, message.Service, message.Reason));
        Assert.Equal(T0.AddSeconds(30), message.At);
        Assert.Empty(await _rig.Engine.ListAsync(null, null, CancellationToken.None));
    }

    [Fact]
    public async Task An_instance_within_its_ttl_is_kept()
    {
        await _rig.Engine.SubmitAsync(Registered(ttlSeconds: 30, at: _rig.Clock.GetUtcNow()), CancellationToken.None);
        _rig.Clock.Advance(TimeSpan.FromSeconds(29));

        // A later change makes sure at least one batch ran with the advanced clock.
        await _rig.Engine.SubmitAsync(Registered(slot: 2, ttlSeconds: 30, at: _rig.Clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal(2, (await _rig.Engine.ListAsync(null, null, CancellationToken.None)).Count);
        Assert.Empty(_rig.Events.Published.OfType<InstanceDeregistered>());
    }

    [Fact]
    public async Task A_restarted_engine_restores_the_registry_without_rewriting_unchanged_files()
    {
        await _rig.Engine.SubmitAsync(Registered(slot: 1, at: _rig.Clock.GetUtcNow()), CancellationToken.None);
        await _rig.Engine.SubmitAsync(
            Registered(slot: 2, ttlSeconds: 0, exporters: [Exporter("pretix"), Exporter("node", 9101)], at: _rig.Clock.GetUtcNow()),
            CancellationToken.None);
        var pretix = _rig.JobFile("pretix");
        var node = _rig.JobFile("node");
        await Eventually.ValueAsync(() => Task.FromResult(Groups(_rig.Files.Text(pretix)) + Groups(_rig.Files.Text(node))), n => n == 3, Bound);
        var before = _rig.Files.Text(pretix);
        await _rig.StopAsync();
        var writes = (_rig.Files.Writes(pretix), _rig.Files.Writes(node));
        var attempts = (_rig.Files.Attempts(pretix), _rig.Files.Attempts(node));

        var restarted = Track(_rig.Restarted());
        await restarted.StartAsync();

        var listed = await restarted.Engine.ListAsync(null, null, CancellationToken.None);
        Assert.Equal(["pretix_web.1", "pretix_web.2"], listed.Select(i => i.Registration.InstanceId));
        Assert.Equal(T0.AddSeconds(90), listed[0].ExpiresAt);
        Assert.Null(listed[1].ExpiresAt);
        Assert.Equal(["pretix_web.2"], (await restarted.Engine.ListAsync(null, "node", CancellationToken.None)).Select(i => i.Registration.InstanceId));
        // The restarted engine compares every known job's file once: same content, so nothing is replaced.
        await Eventually.ValueAsync(
            () => Task.FromResult((restarted.Files.Attempts(pretix), restarted.Files.Attempts(node))),
            a => a.Item1 > attempts.Item1 && a.Item2 > attempts.Item2,
            Bound);
        Assert.Equal(writes, (restarted.Files.Writes(pretix), restarted.Files.Writes(node)));
        Assert.Equal(before, restarted.Files.Text(pretix));
        Assert.Equal(Encoding.UTF8.GetBytes(before!), restarted.Engine.Rendered("pretix").Content);
    }

    [Fact]
    public async Task A_restarted_engine_still_keeps_an_older_registration_of_a_deregistered_instance_out()
    {
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);
        await _rig.Engine.SubmitAsync(Deregistered("pretix_web.1", T0.AddSeconds(10)), CancellationToken.None);
        await _rig.StopAsync();

        var restarted = Track(_rig.Restarted());
        await restarted.StartAsync();
        await restarted.Engine.SubmitAsync(Registered(at: T0.AddSeconds(5)), CancellationToken.None);

        Assert.Empty(await restarted.Engine.ListAsync(null, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_job_that_loses_its_last_instance_keeps_a_file_with_an_empty_list()
    {
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);
        await Eventually.ValueAsync(() => Task.FromResult(Groups(_rig.Files.Text(_rig.JobFile("pretix")))), n => n == 1, Bound);

        await _rig.Engine.SubmitAsync(Deregistered("pretix_web.1", T0.AddSeconds(1)), CancellationToken.None);

        var text = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(_rig.JobFile("pretix"))), t => t == "[]\n", Bound);
        Assert.Equal("[]\n", text);
        Assert.Equal("[]\n"u8.ToArray(), _rig.Engine.Rendered("pretix").Content);
    }

    [Fact]
    public async Task Submit_completes_only_once_the_registry_is_saved()
    {
        Assert.False(File.Exists(_rig.StatePath));

        await _rig.Engine.SubmitAsync(Registered(slot: 7, at: T0), CancellationToken.None);

        Assert.True(File.Exists(_rig.StatePath));
        Assert.Contains("\"pretix_web.7\"", await File.ReadAllTextAsync(_rig.StatePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deregistration_completes_only_once_the_registry_without_the_instance_is_saved()
    {
        await _rig.Engine.SubmitAsync(Registered(slot: 7, at: T0), CancellationToken.None);

        await _rig.Engine.SubmitAsync(Deregistered("pretix_web.7", T0.AddSeconds(1)), CancellationToken.None);

        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(_rig.StatePath));
        Assert.Equal(0, state.RootElement.GetProperty("entries").GetArrayLength());
        Assert.True(state.RootElement.GetProperty("tombstones").TryGetProperty("pretix_web.7", out _));
    }

    [Fact]
    public async Task A_written_file_is_announced_with_its_target_count()
    {
        await _rig.Engine.SubmitAsync(Registered(slot: 1, at: T0), CancellationToken.None);
        await _rig.Engine.SubmitAsync(Registered(slot: 2, at: T0), CancellationToken.None);

        var announced = await Eventually.ValueAsync(
            () => Task.FromResult(_rig.Events.Published.OfType<TargetsWritten>().ToList()), m => m.LastOrDefault()?.TargetCount == 2, Bound);

        Assert.All(announced, m => Assert.Equal("pretix", m.Job));
        Assert.Equal(2, announced[^1].TargetCount);
        Assert.Equal(announced.Select(m => m.Generation).Order(), announced.Select(m => m.Generation));
        Assert.Equal(announced.Count, announced.Select(m => m.Generation).Distinct().Count());
    }

    [Fact]
    public async Task An_unknown_job_renders_an_empty_list()
    {
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);

        Assert.Equal("[]\n"u8.ToArray(), _rig.Engine.Rendered("unknown").Content);
        Assert.Equal(_rig.Engine.Rendered("unknown").ETag, _rig.Engine.Rendered("other").ETag);
    }

    [Fact]
    public async Task A_renewal_with_the_same_targets_does_not_rewrite_the_file()
    {
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);
        var path = _rig.JobFile("pretix");
        await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Writes(path)), n => n == 1, Bound);
        var attempts = _rig.Files.Attempts(path);

        await _rig.Engine.SubmitAsync(Registered(at: T0.AddSeconds(30)), CancellationToken.None);

        await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Attempts(path)), n => n > attempts, Bound);
        Assert.Equal(1, _rig.Files.Writes(path));
    }

    [Fact]
    public async Task An_ipv6_address_as_registration_publishes_it_is_written_and_served_with_one_pair_of_brackets()
    {
        // Registration publishes "[::1]" as "::1": the brackets belong to the target, not to the address.
        await _rig.Engine.SubmitAsync(Registered(address: "::1", at: T0), CancellationToken.None);

        var text = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(_rig.JobFile("pretix"))), t => Groups(t) == 1, Bound);
        Assert.Contains("\"[::1]:9100\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[[", text, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(text!), _rig.Engine.Rendered("pretix").Content);
        Assert.Equal("::1", Assert.Single(await _rig.Engine.ListAsync(null, null, CancellationToken.None)).Registration.Address);
    }

    private EngineRig Track(EngineRig rig)
    {
        _rigs.Add(rig);
        return rig;
    }
}
