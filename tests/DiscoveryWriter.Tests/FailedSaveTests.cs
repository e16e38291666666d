using System.Text;
using System.Text.Json;
using PretixOps.Contracts;
using PretixOps.TestSupport;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>
/// A batch whose registry cannot be saved is refused (the bus redelivers it) and leaves no trace: memory,
/// the file_sd files, http_sd and the state on disk all keep showing what was saved before it.
/// </summary>
public sealed class FailedSaveTests : IAsyncLifetime
{
    /// <summary>Only there so a broken engine fails the test instead of hanging it; not a performance bound.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private EngineRig _rig = null!;

    public Task InitializeAsync()
    {
        _rig = EngineRig.Create();
        return _rig.StartAsync();
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_deregistration_whose_save_fails_is_refused_keeps_the_target_and_removes_it_when_redelivered()
    {
        var path = _rig.JobFile("pretix");
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);
        var withA = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(path)), t => Groups(t) == 1, Bound);
        Assert.Equal(1, Groups(withA));
        var attempts = _rig.Files.Attempts(path);
        var deregistration = Deregistered("pretix_web.1", T0.AddSeconds(1));

        _rig.State.FailNextSaves(1);
        await Assert.ThrowsAsync<IOException>(() => _rig.Engine.SubmitAsync(deregistration, CancellationToken.None));

        // Back on the registry from disk, the engine compares the job's file once more: it still holds A.
        await WriterComparedAsync(path, attempts);
        Assert.Equal(withA, _rig.Files.Text(path));
        Assert.Equal(withA, RenderedText("pretix"));
        Assert.Equal(["pretix_web.1"], await ListedAsync());
        Assert.Equal(["pretix_web.1"], await SavedAsync());

        // The bus redelivers the same message once saving works again.
        await _rig.Engine.SubmitAsync(deregistration, CancellationToken.None);

        Assert.Equal("[]\n", RenderedText("pretix"));
        Assert.Empty(await ListedAsync());
        Assert.Empty(await SavedAsync());
        var text = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(path)), t => t == "[]\n", Bound);
        Assert.Equal("[]\n", text);
    }

    [Fact]
    public async Task A_registration_whose_save_fails_is_refused_and_is_neither_listed_written_nor_saved_until_redelivered()
    {
        var pretix = _rig.JobFile("pretix");
        var node = _rig.JobFile("node");
        await _rig.Engine.SubmitAsync(Registered(slot: 1, at: T0), CancellationToken.None);
        var before = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(pretix)), t => Groups(t) == 1, Bound);
        Assert.Equal(1, Groups(before));
        var attempts = _rig.Files.Attempts(pretix);
        // A second instance, also serving a job nothing served before.
        var registration = Registered(slot: 2, address: "10.0.0.6", exporters: [Exporter("pretix"), Exporter("node", 9101)], at: T0);

        _rig.State.FailNextSaves(1);
        await Assert.ThrowsAsync<IOException>(() => _rig.Engine.SubmitAsync(registration, CancellationToken.None));

        await WriterComparedAsync(pretix, attempts);
        Assert.Equal(["pretix_web.1"], await ListedAsync());
        Assert.Equal(["pretix_web.1"], await SavedAsync());
        Assert.Equal(before, _rig.Files.Text(pretix));
        Assert.Equal(before, RenderedText("pretix"));
        Assert.Null(_rig.Files.Text(node));
        Assert.Equal("[]\n", RenderedText("node"));

        await _rig.Engine.SubmitAsync(registration, CancellationToken.None);

        Assert.Equal(["pretix_web.1", "pretix_web.2"], await ListedAsync());
        Assert.Equal(["pretix_web.1", "pretix_web.2"], await SavedAsync());
        Assert.Contains("\"10.0.0.6:9100\"", RenderedText("pretix"), StringComparison.Ordinal);
        var written = await Eventually.ValueAsync(
            () => Task.FromResult((Groups(_rig.Files.Text(pretix)), Groups(_rig.Files.Text(node)))), g => g == (2, 1), Bound);
        Assert.Equal((2, 1), written);
        Assert.Contains("\"10.0.0.6:9100\"", _rig.Files.Text(pretix), StringComparison.Ordinal);
        Assert.Contains("\"10.0.0.6:9101\"", _rig.Files.Text(node), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expiry_that_cannot_be_saved_is_neither_applied_nor_announced_until_saving_works_and_is_announced_once()
    {
        var path = _rig.JobFile("pretix");
        await _rig.Engine.SubmitAsync(Registered(ttlSeconds: 30, at: T0), CancellationToken.None);
        var before = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(path)), t => Groups(t) == 1, Bound);
        Assert.Equal(1, Groups(before));

        _rig.State.FailEverySave();
        _rig.Clock.Advance(TimeSpan.FromSeconds(31));

        // Every tick finds the instance expired and fails to save that: wait for a few of them (or for a wrong announcement).
        var failed = await Eventually.ValueAsync(
            () => Task.FromResult((Failures: _rig.State.Failures, Announced: Expiries().Count)), f => f.Failures >= 3 || f.Announced > 0, Bound);
        Assert.True(failed.Failures >= 3, $"Only {failed.Failures} saves were tried.");
        Assert.Empty(Expiries());
        Assert.Equal(["pretix_web.1"], await ListedAsync());
        Assert.Equal(["pretix_web.1"], await SavedAsync());
        Assert.Equal(before, RenderedText("pretix"));
        Assert.Equal(before, _rig.Files.Text(path));

        _rig.State.SavesWork();

        var text = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Text(path)), t => t == "[]\n", Bound);
        Assert.Equal("[]\n", text);
        await Eventually.ValueAsync(() => Task.FromResult(Expiries().Count), n => n > 0, Bound);
        // A later change is taken only once the expiry's batch has announced everything it had to.
        await _rig.Engine.SubmitAsync(
            Registered(service: "other", exporters: [Exporter("other")], at: _rig.Clock.GetUtcNow()), CancellationToken.None);
        var message = Assert.Single(Expiries());
        Assert.Equal(("pretix_web.1", "pretix_web", DeregistrationReason.Expired), (message.InstanceId, message.Service, message.Reason));
        Assert.Equal(T0.AddSeconds(30), message.At);
        Assert.Equal(["other.1"], await ListedAsync());
        Assert.Equal(["other.1"], await SavedAsync());
    }

    /// <summary>Waits until the writer compared <paramref name="path"/> again after <paramref name="attempts"/> attempts.</summary>
    private async Task WriterComparedAsync(string path, int attempts)
    {
        var now = await Eventually.ValueAsync(() => Task.FromResult(_rig.Files.Attempts(path)), n => n > attempts, Bound);
        Assert.True(now > attempts, $"{path} was not compared again after the failed save.");
    }

    private List<InstanceDeregistered> Expiries() =>
        [.. _rig.Events.Published.OfType<InstanceDeregistered>().Where(m => m.Reason == DeregistrationReason.Expired)];

    private string RenderedText(string job) => Encoding.UTF8.GetString(_rig.Engine.Rendered(job).Content);

    private async Task<List<string>> ListedAsync() =>
        [.. (await _rig.Engine.ListAsync(null, null, CancellationToken.None)).Select(i => i.Registration.InstanceId)];

    /// <summary>The instance ids in the registry's state on disk.</summary>
    [Fact]
    public async Task A_registry_that_can_be_neither_saved_nor_read_back_stops_the_engine_instead_of_serving_what_is_on_no_disk()
    {
        await _rig.Engine.SubmitAsync(Registered(at: T0), CancellationToken.None);
        _rig.State.FailNextSaves(1);
        _rig.State.ReadsFail = true;

        _ = _rig.Engine.SubmitAsync(Deregistered("pretix_web.1", T0.AddSeconds(1)), CancellationToken.None);

        var stopped = await Eventually.ValueAsync(() => Task.FromResult(_rig.Engine.ExecuteTask!), t => t.IsCompleted, Bound);
        Assert.IsType<InvalidOperationException>(stopped.Exception?.InnerException);
        Assert.Contains("cannot be read back", stopped.Exception!.InnerException!.Message, StringComparison.Ordinal);
    }

    private async Task<List<string>> SavedAsync()
    {
        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(_rig.StatePath));
        return [.. state.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => e.GetProperty("registration").GetProperty("instanceId").GetString()!)];
    }
}
