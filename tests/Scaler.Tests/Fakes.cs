using Docker.DotNet.Models;
using Microsoft.Extensions.Time.Testing;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Readings;
using PretixOps.Scaler.Reconciliation;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// Docker Swarm in memory: services by name with their replicas, mode, labels and version. An update naming an old
/// version is out of sequence, as in Docker; the next N updates can be made to lose to another writer, and Docker can
/// be made to fail every call.
/// </summary>
internal sealed class FakeSwarm : ISwarm
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Replicas, bool Global, ulong Version, Dictionary<string, string> Labels)> _services =
        new(StringComparer.Ordinal);

    private int _outOfSequenceLeft;
    private int _updates;

    /// <summary>Every call fails as a stopped dockerd's would, until set back.</summary>
    public bool Down { get; set; }

    /// <summary>The next update is taken, but its answer is lost (a timeout after Docker committed it).</summary>
    public bool LoseNextAnswer { get; set; }

    /// <summary>Updates that changed the service's replica count (not those that changed only its labels).</summary>
    public int Updates => Volatile.Read(ref _updates);

    public FakeSwarm With(string service, int replicas, bool global = false)
    {
        lock (_gate)
        {
            _services[service] = (replicas, global, 1, new Dictionary<string, string>(StringComparer.Ordinal));
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

    public IReadOnlyDictionary<string, string> Labels(string service)
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_services[service].Labels);
        }
    }

    /// <summary>Another writer (an operator, another tool) changes the service: a new version, perhaps a new count or labels.</summary>
    public void ChangeBehindTheScalersBack(string service, int? replicas = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        lock (_gate)
        {
            var current = _services[service];
            var merged = new Dictionary<string, string>(current.Labels, StringComparer.Ordinal);
            foreach (var (key, value) in labels ?? new Dictionary<string, string>())
            {
                merged[key] = value;
            }

            _services[service] = (replicas ?? current.Replicas, current.Global, current.Version + 1, merged);
        }
    }

    /// <summary>The next <paramref name="count"/> updates find that another writer updated the service first.</summary>
    public void LoseNextUpdates(int count) => Volatile.Write(ref _outOfSequenceLeft, count);

    public async Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Fail();
        lock (_gate)
        {
            if (!_services.ContainsKey(service))
            {
                throw new ServiceNotFoundException(service, new InvalidOperationException("no such service"));
            }

            return State(service);
        }
    }

    public async Task<IReadOnlyDictionary<string, ServiceState>> ListAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        Fail();
        lock (_gate)
        {
            return _services.Keys.ToDictionary(name => name, State, StringComparer.Ordinal);
        }
    }

    public async Task<bool> TryUpdateAsync(ServiceState state, int replicas, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Fail();
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

            var merged = new Dictionary<string, string>(current.Labels, StringComparer.Ordinal);
            foreach (var (key, value) in labels)
            {
                merged[key] = value;
            }

            _services[state.Name] = (replicas, current.Global, current.Version + 1, merged);
            if (replicas != current.Replicas)
            {
                _updates++;
            }

            if (LoseNextAnswer)
            {
                LoseNextAnswer = false;
                throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");
            }

            return true;
        }
    }

    private ServiceState State(string name)
    {
        var (replicas, global, version, labels) = _services[name];
        return new ServiceState(name + "-id", name, replicas, global, version,
            new ServiceSpec { Name = name, Labels = new Dictionary<string, string>(labels) });
    }

    private void Fail()
    {
        if (Down)
        {
            throw new HttpRequestException("Connection refused (/var/run/docker.sock)");
        }
    }
}

/// <summary>
/// The journal in memory: an append is applied at once, with the next offset, as the stream would deliver it. It can
/// be made unavailable, as with the broker away.
/// </summary>
internal sealed class InMemoryJournal(ControllerState state) : IJournal
{
    private readonly Lock _gate = new();
    private readonly List<JournalEntry> _entries = [];
    private long _next;

    public InMemoryJournal()
        : this(new ControllerState(TimeSpan.FromDays(30)))
    {
    }

    public ControllerState State { get; } = state;

    public string Stream => "scaler-journal-test";

    public bool Connected => !Unavailable;

    public bool CaughtUp => true;

    public bool Unavailable { get; set; }

    /// <summary>Everything appended, in order.</summary>
    public IReadOnlyList<JournalEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public event Action<JournalEntry, string?>? Applied;

    public Task WhenCaughtUp(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>How long an append takes to come back, as the broker's confirm and the stream's delivery do.</summary>
    public TimeSpan AppendDelay { get; set; }

    public async Task<long> AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        if (Unavailable)
        {
            throw new JournalUnavailableException("the broker is away (test).");
        }

        if (AppendDelay > TimeSpan.Zero)
        {
            await Task.Delay(AppendDelay, cancellationToken);
        }

        long offset;
        string? service;
        entry = entry.Traced();
        lock (_gate)
        {
            offset = _next++;
            _entries.Add(entry);
            // As the stream delivers it: a copy, never the appender's object.
            service = State.Apply(JournalEntry.Deserialize(entry.Serialize())!, offset);
        }

        Applied?.Invoke(entry, service);
        return offset;
    }

    /// <summary>A replica that reads this journal from its first entry: what a standby or a restart knows.</summary>
    public ControllerState Replay()
    {
        var replica = new ControllerState(TimeSpan.FromDays(30));
        var entries = Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            replica.Apply(JournalEntry.Deserialize(entries[i].Serialize())!, i);
        }

        return replica;
    }
}

/// <summary>This replica leads, from a given epoch, until told otherwise.</summary>
internal sealed class FixedLeadership : ILeadership
{
    public LeaderTerm? Term { get; set; }

    public event Action? Changed;

    public static async Task<FixedLeadership> ElectAsync(IJournal journal, string instance = "test")
    {
        var epoch = await journal.AppendAsync(new LeaderElected(instance), CancellationToken.None);
        return new FixedLeadership { Term = new LeaderTerm(epoch, CancellationToken.None) };
    }

    public void Raise() => Changed?.Invoke();
}

/// <summary>A metric source answering what the test sets, per query, or failing with a reason.</summary>
internal sealed class FakeMetricSource : IMetricSource
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    public string? Failure { get; set; }

    public void Set(string query, double value)
    {
        lock (_values)
        {
            _values[query] = value;
        }
    }

    public Task<double> QueryAsync(string query, CancellationToken cancellationToken)
    {
        if (Failure is { } reason)
        {
            throw new MetricQueryException(reason, $"{reason} (test)");
        }

        lock (_values)
        {
            return _values.TryGetValue(query, out var value)
                ? Task.FromResult(value)
                : throw new MetricQueryException("no_series", "the query answered no series (test).");
        }
    }
}

/// <summary>
/// The test's <see cref="FakeTimeProvider"/>, except that a timer (the pause between update attempts) comes due at
/// once: creating it advances the fake clock by its due time.
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
