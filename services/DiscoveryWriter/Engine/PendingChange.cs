using System.Diagnostics;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>A registry change waiting for its batch to be saved; the consumer that submitted it waits on <see cref="Done"/>.</summary>
public sealed class PendingChange(object change)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public object Change { get; } = change;

    /// <summary>The trace the change arrived in (its consumer's span): the write of its file continues it.</summary>
    public ActivityContext Cause { get; } = Activity.Current?.Context ?? default;

    /// <summary>Completes once the change is saved; fails with the reason when its batch could not be.</summary>
    public Task Done => _done.Task;

    public void Saved() => _done.TrySetResult();

    public void Refused(Exception reason) => _done.TrySetException(reason);
}
