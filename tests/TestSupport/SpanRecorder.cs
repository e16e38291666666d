using System.Collections.Concurrent;
using System.Diagnostics;

namespace PretixOps.TestSupport;

/// <summary>
/// Records every span of the named activity sources that ends while it listens, sampled in full. Listeners are
/// process-wide: tests running beside this one make spans too, so a test picks its own out by trace id.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentBag<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    /// <param name="sources">Source names, not <see cref="ActivitySource"/> objects: reading a static source here could
    /// run its type's initializer from inside the listener's own registration.</param>
    public SpanRecorder(params string[] sources)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyCollection<Activity> Stopped => _stopped;

    public void Dispose() => _listener.Dispose();
}
