using System.Collections.Concurrent;
using System.Diagnostics;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>
/// One registration, one trace: the write of the file a registration changed continues the trace the registration
/// arrived in (its consumer's), and links the other registrations of the same batch.
/// </summary>
public sealed class TraceTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly ActivitySource Consumer = new("PretixOps.Tests.Consumer");

    private readonly EngineRig _rig = EngineRig.Create();
    /// <summary>The traces this test started: other tests' engines run beside it, and the listener hears them too.</summary>
    private readonly ConcurrentDictionary<ActivityTraceId, byte> _mine = new();
    private readonly SpanRecorder _spans = new(ServiceTracing.SourceName, "PretixOps.Tests.Consumer");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task The_write_of_the_file_continues_the_registrations_trace()
    {
        await _rig.StartAsync();
        await SubmitInNewTrace(1, out var trace);

        Assert.Equal(trace, Assert.Single(await WritesAsync(1)).TraceId);
    }

    [Fact]
    public async Task Two_registrations_of_one_batch_are_one_write_that_continues_the_first_and_links_the_second()
    {
        // Both wait in the queue before the engine starts: its first batch holds them both.
        var firstSaved = SubmitInNewTrace(1, out var first);
        var secondSaved = SubmitInNewTrace(2, out var second);
        await _rig.StartAsync();
        await Task.WhenAll(firstSaved, secondSaved);

        var write = Assert.Single(await WritesAsync(1));
        Assert.Equal(first, write.TraceId);
        Assert.Equal([second], write.Links.Select(l => l.Context.TraceId));
    }

    [Fact]
    public async Task A_renewal_that_changes_no_file_continues_no_trace()
    {
        await _rig.StartAsync();
        await SubmitInNewTrace(1, out _);
        await WritesAsync(1);

        await SubmitInNewTrace(1, out var renewal);
        // A later change that does change the file: once its write is there, the renewal's batch is long done.
        await SubmitInNewTrace(2, out var next);

        var writes = await WritesAsync(2);
        Assert.Equal(next, writes[^1].TraceId);
        Assert.DoesNotContain(writes, w => w.TraceId == renewal);
    }

    /// <summary>Submits a registration inside a consumer's span of a new trace, as the bus would; completes once saved.</summary>
    private Task SubmitInNewTrace(int slot, out ActivityTraceId trace)
    {
        using var span = Consumer.StartActivity("consume", ActivityKind.Consumer, parentContext: default);
        Assert.NotNull(span);
        trace = span.TraceId;
        _mine[trace] = 0;
        return _rig.Engine.SubmitAsync(Registered(slot: slot, address: $"10.0.0.{slot}", at: _rig.Clock.GetUtcNow()), CancellationToken.None);
    }

    private async Task<List<Activity>> WritesAsync(int count)
    {
        var writes = await Eventually.ValueAsync(
            () => Task.FromResult(_spans.Stopped.Where(a => a.OperationName == "write file_sd pretix" && _mine.ContainsKey(a.TraceId)).OrderBy(a => a.StartTimeUtc).ToList()),
            w => w.Count >= count, Bound);
        Assert.Equal(count, writes.Count);
        return writes;
    }
}
