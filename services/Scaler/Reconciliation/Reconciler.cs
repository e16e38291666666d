using System.Collections.Concurrent;
using System.Net.Sockets;
using Docker.DotNet;
using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using PretixOps.Scaler.Readings;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// The control loop, on the leader: every <c>ReconcileInterval</c>, and at once when a signal changes, each service of
/// the policy is observed (Docker's count), decided (<see cref="ScaleController.Decide"/>) and converged. A decision is
/// journaled before Docker is touched (as an intent, then applied or abandoned), so a crash between the two is
/// settled by whoever leads next from Docker's own labels. When Docker does not answer, the change waits (recorded
/// once as Waiting) and is tried again with backoff; nothing is lost and no message is dead-lettered for it.
/// </summary>
public sealed class Reconciler : BackgroundService
{
    public const string DecisionLabel = "pretixops.scaler.decision";
    public const string EpochLabel = "pretixops.scaler.epoch";

    private static readonly Histogram ReconcileSeconds = Prometheus.Metrics.CreateHistogram(
        "pretixops_scaler_reconcile_seconds", "One reconcile pass: observe, decide, record, converge.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    private readonly PolicyStore _policies;
    private readonly IJournal _journal;
    private readonly ILeadership _lease;
    private readonly ISwarm _swarm;
    private readonly MetricReadings _readings;
    private readonly DecisionWriter _writer;
    private readonly DockerHealth _docker;
    private readonly TimeProvider _clock;
    private readonly ILogger<Reconciler> _logger;
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<string, ServiceState> _observed = new(StringComparer.Ordinal);
    private long _electedEpoch = -1;
    private DateTimeOffset _nextSnapshot;

    public Reconciler(
        PolicyStore policies, IJournal journal, ILeadership lease, ISwarm swarm, MetricReadings readings, DecisionWriter writer,
        DockerHealth docker, TimeProvider clock, ILogger<Reconciler> logger)
    {
        _policies = policies;
        _journal = journal;
        _lease = lease;
        _swarm = swarm;
        _readings = readings;
        _writer = writer;
        _docker = docker;
        _clock = clock;
        _logger = logger;
        journal.Applied += (entry, service) =>
        {
            if (entry is AlertFiring or AlertEnded or ControlChanged or OperatorRequested && service is not null)
            {
                Poke(service);
            }
        };
        readings.Changed += Poke;
        policies.Changed += () => Poke(null);
        lease.Changed += () => Poke(null);
    }

    /// <summary>The replica count Docker reported at the last observation, by service (for status while Docker is away).</summary>
    public IReadOnlyDictionary<string, ServiceState> Observed => _observed;

    /// <summary>Reconcile a service now (null: every service).</summary>
    public void Poke(string? service)
    {
        foreach (var name in service is null ? [.. _policies.Current.Services.Keys] : new[] { service })
        {
            _dirty[name] = 0;
        }

        _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextFull = _clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = nextFull - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await _wake.WaitAsync(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            while (_wake.CurrentCount > 0)
            {
                await _wake.WaitAsync(stoppingToken);
            }

            var full = _clock.GetUtcNow() >= nextFull;
            if (full)
            {
                nextFull = _clock.GetUtcNow() + _policies.Current.ReconcileInterval;
            }

            var names = full ? [.. _policies.Current.Services.Keys] : Drain();
            if (full)
            {
                _dirty.Clear();
            }

            if (_lease.Term is not { } term || names.Count == 0)
            {
                continue;
            }

            try
            {
                await PassAsync(names, full, term);
            }
            catch (Exception e) when (e is JournalUnavailableException or LeadershipLostException
                                          || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                // The broker went (or the term ended): nothing may be done that cannot be recorded. Next pass.
                _logger.LogWarning("Reconcile stopped: {Reason}", e.Message);
                nextFull = _clock.GetUtcNow() + TimeSpan.FromSeconds(1);
            }
#pragma warning disable CA1031 // the control loop outlives a fault in one pass: stopping it would stop every service's convergence
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                _logger.LogError(e, "Reconcile pass failed; the next one follows");
                nextFull = _clock.GetUtcNow() + TimeSpan.FromSeconds(1);
            }
        }
    }

    /// <summary>One pass over some services under a leader term: what the loop does, callable from tests.</summary>
    public async Task PassAsync(IReadOnlyCollection<string> names, bool full, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(term);
        using var timer = ReconcileSeconds.NewTimer();
        if (_journal.State.Epoch > term.Epoch)
        {
            // The journal already names a newer leader: this one's lock went without it noticing yet.
            throw new LeadershipLostException($"the journal names a newer leader (epoch {_journal.State.Epoch}) than this one ({term.Epoch}).");
        }

        if (term.Epoch != Interlocked.Exchange(ref _electedEpoch, term.Epoch))
        {
            // A new term: what the record says is the streak of each service; the state as a whole is snapshotted.
            _writer.NewTerm();
            _nextSnapshot = _clock.GetUtcNow();
        }

        if (_clock.GetUtcNow() >= _nextSnapshot)
        {
            await _journal.AppendAsync(new SnapshotTaken(_journal.State.Snapshot()) { At = _clock.GetUtcNow() }, term.Token);
            _nextSnapshot = _clock.GetUtcNow() + _policies.Current.Journal.SnapshotInterval;
        }

        var policy = _policies.Current;
        var wanted = names.Where(policy.Services.ContainsKey).ToList();
        if (_docker.ShouldWait)
        {
            await WaitForDockerAsync(policy, wanted, term);
            return;
        }

        Dictionary<string, ServiceState?> observed;
        try
        {
            observed = await ObserveAsync(wanted, full, term.Token);
            _docker.Answered();
        }
        catch (Exception e) when (IsDockerFailure(e, term.Token))
        {
            _docker.Failed(e);
            _logger.LogWarning("Docker did not answer; changes wait until it does (next try at {RetryAt:O}): {Reason}", _docker.RetryAt, _docker.Error);
            await WaitForDockerAsync(policy, wanted, term);
            return;
        }

        foreach (var name in wanted)
        {
            if (observed[name] is { } state)
            {
                _observed[name] = state;
            }

            try
            {
                await ReconcileAsync(name, policy.Services[name], observed[name], term);
            }
            catch (Exception e) when (IsDockerFailure(e, term.Token))
            {
                _docker.Failed(e);
                _logger.LogWarning("Docker failed while {Service} was reconciled; tried again at {RetryAt:O}: {Reason}", name, _docker.RetryAt, _docker.Error);
            }
        }
    }

    private async Task<Dictionary<string, ServiceState?>> ObserveAsync(List<string> names, bool full, CancellationToken cancellationToken)
    {
        var observed = new Dictionary<string, ServiceState?>(StringComparer.Ordinal);
        if (full || names.Count > 8)
        {
            var all = await _swarm.ListAsync(cancellationToken);
            foreach (var name in names)
            {
                observed[name] = all.GetValueOrDefault(name);
            }

            return observed;
        }

        foreach (var name in names)
        {
            try
            {
                observed[name] = await _swarm.InspectAsync(name, cancellationToken);
            }
            catch (ServiceNotFoundException)
            {
                observed[name] = null;
            }
        }

        return observed;
    }

    private async Task ReconcileAsync(string name, ServicePolicy policy, ServiceState? state, LeaderTerm term)
    {
        var now = _clock.GetUtcNow();
        if (state is null)
        {
            // A service of the policy that is not deployed (yet) is only worth a record when something asks for it.
            var signals = _journal.State.Signals(name, []);
            var missing = Refusal(ScaleOutcome.Failed, "not-found", $"Docker has no service named {name}; it is looked for again at every reconcile.");
            if (signals.Request is not null || signals.Alerts.Count > 0)
            {
                await _writer.RecordAsync(name, missing with { RequestId = signals.Request?.RequestId }, term);
            }

            return;
        }

        if (state.Global)
        {
            var global = Refusal(ScaleOutcome.NotAllowed, "global", "a global-mode service has one task per node; it is not scaled.");
            await _writer.RecordAsync(name, global with { RequestId = _journal.State.Signals(name, []).Request?.RequestId }, term);
            return;
        }

        state = await _writer.SettleIntentAsync(name, state, term);
        if (_writer.FencedOut(state, term))
        {
            _logger.LogWarning("{Service} was written by a newer leader than this one (epoch {Epoch}): standing down", name, term.Epoch);
            return;
        }

        var decision = ScaleController.Decide(policy, _journal.State.Signals(name, _readings.For(name)), _journal.State.History(name), state.Replicas, now);
        StatusMetrics.Observe(name, state.Replicas, decision, now);
        await _writer.NoteRecommendationAsync(name, decision, term);
        if (decision.Outcome is null)
        {
            _writer.Steady(name);
            return;
        }

        if (!decision.ChangesReplicas)
        {
            await _writer.RecordAsync(name, decision, term);
            return;
        }

        try
        {
            await _writer.ApplyAsync(name, state, decision, term);
            _docker.Answered();
        }
        catch (Exception e) when (IsDockerFailure(e, term.Token))
        {
            _docker.Failed(e);
            await _writer.RecordAsync(name, Waiting(decision), term);
        }
    }

    /// <summary>Docker is away: a service that wants a change (decided on the count last seen) says so, once, as Waiting.</summary>
    private async Task WaitForDockerAsync(ScalerOptions policy, List<string> names, LeaderTerm term)
    {
        foreach (var name in names)
        {
            if (!_observed.TryGetValue(name, out var state))
            {
                continue;
            }

            var decision = ScaleController.Decide(policy.Services[name], _journal.State.Signals(name, _readings.For(name)),
                _journal.State.History(name), state.Replicas, _clock.GetUtcNow());
            if (decision.ChangesReplicas)
            {
                await _writer.RecordAsync(name, Waiting(decision), term);
            }
        }
    }

    private Decision Waiting(Decision decision) => decision with
    {
        Outcome = ScaleOutcome.Waiting,
        Code = "waiting",
        // A waiting request stays pending (it is answered by the decision that applies it); the record names it.
        RequestId = null,
        TriggerKey = decision.RequestId,
        Reason = $"Docker did not answer ({_docker.Error}); retried with backoff, next at {_docker.RetryAt:O}. Waiting to scale {decision.From} -> {decision.To}: {decision.Reason}",
    };

    private static Decision Refusal(ScaleOutcome outcome, string code, string reason) =>
        new(outcome, 0, 0, code, reason, "policy", new DecisionInputs([], [], [], 0, 0, false, false), ServiceClocks.None);

    private List<string> Drain()
    {
        var names = _dirty.Keys.ToList();
        foreach (var name in names)
        {
            _dirty.TryRemove(name, out _);
        }

        return names;
    }

    private static bool IsDockerFailure(Exception e, CancellationToken term) =>
        e is DockerApiException or HttpRequestException or IOException or SocketException or TimeoutException
        || (e is OperationCanceledException && !term.IsCancellationRequested);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
