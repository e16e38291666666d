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
    private readonly ConcurrentBag<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    public TraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ServiceTracing.SourceName or "PretixOps.Tests.Consumer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public Task InitializeAsync() => _rig.StartAsync();

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task The_write_of_the_file_continues_the_registrations_trace_and_links_the_rest_of_its_batch()
    {
        var first = await SubmitInTraceAsync(1);
        var second = await SubmitInTraceAsync(2);

        var writes = await Eventually.ValueAsync(
            () => Task.FromResult(_stopped.Where(a => a.OperationName == "write file_sd pretix").ToList()), w => w.Count > 0, Bound);

        // Each registration's trace reaches a write: its own span's parent, or a link of the batch it shared.
        foreach (var trace in new[] { first, second })
        {
            Assert.Contains(writes, w => w.TraceId == trace || w.Links.Any(l => l.Context.TraceId == trace));
        }

        Assert.Contains(writes, w => w.TraceId == first);
    }

    private async Task<ActivityTraceId> SubmitInTraceAsync(int slot)
    {
        using var span = Consumer.StartActivity("consume", ActivityKind.Consumer, parentContext: default);
        Assert.NotNull(span);
        await _rig.Engine.SubmitAsync(Registered(slot: slot, address: $"10.0.0.{slot}", at: _rig.Clock.GetUtcNow()), CancellationToken.None);
        return span.TraceId;
    }
}
