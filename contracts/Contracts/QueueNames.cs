namespace PretixOps.Contracts;

/// <summary>
/// Queues that more than one program names: the service that consumes from one, and whoever else addresses it by name
/// (opsctl, whose dead-letter commands take MassTransit's <c>&lt;queue&gt;_error</c> and <c>&lt;queue&gt;_skipped</c>; the
/// tests and benchmarks that watch a depth). Like a message's namespace, a name here never changes: messages waiting
/// in the old queue would have no consumer.
/// </summary>
public static class QueueNames
{
    /// <summary>
    /// The Scaler's signals (<see cref="AlertFired"/>, <see cref="AlertResolved"/>, <see cref="ScaleService"/>), one
    /// active consumer across its replicas.
    /// </summary>
    public const string Scaler = "scaler";
}
