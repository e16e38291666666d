using System.Diagnostics;
using PretixOps.Scaler.Journal;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// One alert, one trace: the signal is journaled with the trace it arrived in, and the decision it leads to (made later,
/// by the leader's loop, perhaps in another replica) continues that trace through the Docker update.
/// </summary>
public sealed class TraceTests : IDisposable
{
    private static readonly ActivitySource Webhook = new("PretixOps.Tests.Webhook");

    private readonly ScalerRig _rig = new(new Dictionary<string, string?> { [$"Scaler:Services:{ScalerRig.Web}:StabilizationWindow"] = "00:00:00" });
    private readonly SpanRecorder _spans = new(ServiceTracing.SourceName, "PretixOps.Tests.Webhook");

    public void Dispose()
    {
        _spans.Dispose();
        _rig.Dispose();
    }

    [Fact]
    public async Task The_scale_up_continues_the_alerts_trace_and_a_repeat_in_another_trace_does_not_take_it_over()
    {
        await _rig.ElectAsync();
        var alert = await InTraceAsync(() => _rig.FireAsync("e1"));
        await InTraceAsync(() => _rig.FireAsync("e1"));

        await _rig.PassAsync();

        // Other tests' Scalers run beside this one and the listener hears them too: this test's spans are its traces'.
        Assert.Single(_spans.Stopped, a => a.OperationName == $"scale {ScalerRig.Web}" && a.TraceId == alert);
        var intent = Assert.Single(_rig.Journal.Entries.OfType<DecisionMade>(), d => d.Intent);
        Assert.Equal(alert, ActivityContext.Parse(intent.Trace!, null).TraceId);
        Assert.Equal(alert, ActivityContext.Parse(Assert.Single(_rig.Journal.Entries.OfType<DecisionApplied>()).Trace!, null).TraceId);
    }

    [Fact]
    public async Task A_signal_recorded_outside_any_trace_leaves_the_alerts_and_a_served_cause_is_not_continued_later()
    {
        var term = await _rig.ElectAsync();
        var alert = await InTraceAsync(() => _rig.FireAsync("e1"));
        // The metric loop records its recommendations outside any trace, often in the same pass as the alert's step.
        await _rig.Journal.AppendAsync(new RecommendationChanged(ScalerRig.Web, 3, term.Epoch) { At = _rig.Clock.GetUtcNow() }, CancellationToken.None);

        await _rig.PassAsync();

        Assert.Contains(_spans.Stopped, a => a.OperationName == $"scale {ScalerRig.Web}" && a.TraceId == alert);
        Assert.Null(_rig.State.Cause(ScalerRig.Web));
    }

    [Fact]
    public async Task The_scale_down_continues_the_resolutions_trace()
    {
        await _rig.ElectAsync();
        await InTraceAsync(() => _rig.FireAsync("e1"));
        await _rig.PassAsync();
        _rig.Clock.Advance(TimeSpan.FromMinutes(10));
        var resolution = await InTraceAsync(() => _rig.ResolveAsync("e1"));

        await _rig.PassAsync();

        Assert.Equal((3, 2), (_rig.Decisions[^1].Decision.From, _rig.Decisions[^1].Decision.To));
        Assert.Contains(_spans.Stopped, a => a.OperationName == $"scale {ScalerRig.Web}" && a.TraceId == resolution);
    }

    private static async Task<ActivityTraceId> InTraceAsync(Func<Task> work)
    {
        using var span = Webhook.StartActivity("webhook", ActivityKind.Server, parentContext: default);
        Assert.NotNull(span);
        await work();
        return span.TraceId;
    }
}
