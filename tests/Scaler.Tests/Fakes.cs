using System.Collections.Concurrent;
using Docker.DotNet.Models;
using MassTransit;
using Microsoft.Extensions.Time.Testing;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// Docker Swarm in memory: services by name with their replicas, mode and version. An update naming an old
/// version is out of sequence, as in Docker; the next N updates can be made to lose to another writer.
/// </summary>
internal sealed class FakeSwarm : ISwarm
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Replicas, bool Global, ulong Version)> _services = new(StringComparer.Ordinal);
    private int _outOfSequenceLeft;
    private int _inspections;
    private int _updateAttempts;
    private int _updates;

    public int Inspections => Volatile.Read(ref _inspections);

    /// <summary>Every call of <see cref="TrySetReplicasAsync"/>, won or lost.</summary>
    public int UpdateAttempts => Volatile.Read(ref _updateAttempts);

    /// <summary>Updates that changed the service.</summary>
    public int Updates => Volatile.Read(ref _updates);

    public int Calls => Inspections + UpdateAttempts;

    public FakeSwarm With(string service, int replicas, bool global = false)
    {
        lock (_gate)
        {
            _services[service] = (replicas, global, 1);
        }

        return this;
    }

    public int Replicas(string service)
    {
        lock (_gate)
        {
            return _services[service].Replicas;
        }
    }

    /// <summary>The next <paramref name="count"/> updates find that another writer updated the service first.</summary>
    public void LoseNextUpdates(int count) => Volatile.Write(ref _outOfSequenceLeft, count);

    public async Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken)
    {
        // Let concurrent callers interleave, as calls to a real Engine API would.
        await Task.Yield();
        Interlocked.Increment(ref _inspections);
        lock (_gate)
        {
            var (replicas, global, version) = _services.TryGetValue(service, out var found)
                ? found
                : throw new InvalidOperationException($"No service {service} in the fake swarm.");
            return new ServiceState(service + "-id", service, replicas, global, version, new ServiceSpec { Name = service });
        }
    }

    public async Task<bool> TrySetReplicasAsync(ServiceState state, int replicas, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Interlocked.Increment(ref _updateAttempts);
        lock (_gate)
        {
            var current = _services[state.Name];
            if (_outOfSequenceLeft > 0)
            {
                _outOfSequenceLeft--;
                _services[state.Name] = current with { Version = current.Version + 1 };
                return false;
            }

            if (current.Version != state.Version)
            {
                return false;
            }

            _services[state.Name] = current with { Replicas = replicas, Version = current.Version + 1 };
            _updates++;
            return true;
        }
    }
}

/// <summary>A bus endpoint that remembers what was published, in order.</summary>
internal sealed class RecordingPublishEndpoint : IPublishEndpoint
{
    private readonly ConcurrentQueue<object> _published = new();

    public IReadOnlyList<object> Published => [.. _published];

    public Task Publish<T>(T message, CancellationToken cancellationToken = default)
        where T : class => Add(message);

    public Task Publish<T>(T message, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Add(message);

    public Task Publish<T>(T message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Add(message);

    public Task Publish(object message, CancellationToken cancellationToken = default) => Add(message);

    public Task Publish(object message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) => Add(message);

    public Task Publish(object message, Type messageType, CancellationToken cancellationToken = default) => Add(message);

    public Task Publish(object message, Type messageType, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) =>
        Add(message);

    public Task Publish<T>(object values, CancellationToken cancellationToken = default)
        where T : class => Add(values);

    public Task Publish<T>(object values, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Add(values);

    public Task Publish<T>(object values, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Add(values);

    public ConnectHandle ConnectPublishObserver(IPublishObserver observer) => throw new NotSupportedException();

    private Task Add(object message)
    {
        _published.Enqueue(message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The test's <see cref="FakeTimeProvider"/> as the engine's clock, except that a timer (the engine's pause
/// between update attempts) comes due at once: creating it advances the fake clock by its due time.
/// </summary>
internal sealed class ImpatientClock(FakeTimeProvider clock) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override long GetTimestamp() => clock.GetTimestamp();

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = clock.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            clock.Advance(dueTime);
        }

        return timer;
    }
}
