using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Journal;

/// <summary>
/// The journal folded into what the controller knows: per service the signals in force and the recent history, and
/// the decisions within retention. Every replica applies the same entries in the same order, so every replica knows
/// the same; clocks run on the entries' own times, never on the replica's. Thread-safe.
/// </summary>
public sealed class ControllerState(TimeSpan retention)
{
    private static readonly TimeSpan Remembered = TimeSpan.FromDays(7);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceRecord> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _endedAlerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _handled = new(StringComparer.Ordinal);
    private readonly List<DecisionRecord> _decisions = [];
    private readonly Dictionary<Guid, DecisionRecord> _byId = [];
    private readonly List<(long Offset, JournalEntry Entry)> _recent = [];
    private DateTimeOffset _trimmedAt;

    /// <summary>The stream offset of the last <see cref="LeaderElected"/>: decisions of older leaders are ignored.</summary>
    public long Epoch { get; private set; } = -1;

    public string? Leader { get; private set; }

    /// <summary>The offset of the first entry this replica read: 0 when it read the journal whole.</summary>
    public long? FirstOffset { get; private set; }

    /// <summary>The offset of the last entry applied; -1 before the first.</summary>
    public long LastOffset { get; private set; } = -1;

    public long EntriesApplied { get; private set; }

    /// <summary>
    /// The journal's identity: the id of its first entry, carried on by snapshots. Docker labels name it with the
    /// epoch, so that a journal made anew (the stream deleted) is not fenced out by the old one's epochs.
    /// </summary>
    public Guid? Incarnation { get; private set; }

    /// <summary>An entry this version cannot read: its offset is passed.</summary>
    public void Skip(long offset)
    {
        lock (_gate)
        {
            LastOffset = offset;
        }
    }

    /// <summary>Folds one entry in. Returns the service it concerns (null for none), so its reconcile can run at once.</summary>
    public string? Apply(JournalEntry entry, long offset)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            FirstOffset ??= offset;
            LastOffset = offset;
            EntriesApplied++;
            Incarnation ??= entry.Id;
            if (FirstOffset > 0 && entry is not SnapshotTaken)
            {
                Remember(entry, offset);
            }

            var service = ApplyLocked(entry, offset);
            if (entry.At - _trimmedAt > TimeSpan.FromMinutes(1))
            {
                TrimLocked(entry.At);
            }

            return service;
        }
    }

    private string? ApplyLocked(JournalEntry entry, long offset)
    {
        switch (entry)
        {
            case LeaderElected leader:
                Epoch = offset;
                Leader = leader.Instance;
                return null;
            case AlertFiring firing when !_endedAlerts.ContainsKey(firing.AlertId):
                {
                    var record = Service(firing.Service);
                    if (record.Firing.TryGetValue(firing.AlertId, out var known))
                    {
                        // A repeat of an episode in force changes nothing a decision would follow from: the cause stays.
                        record.Firing[firing.AlertId] = known with { LastSeen = known.LastSeen > firing.SeenAt ? known.LastSeen : firing.SeenAt };
                    }
                    else
                    {
                        record.Firing[firing.AlertId] = new AlertEpisode(firing.AlertId, firing.Rule, firing.Direction, firing.Since, firing.SeenAt);
                        record.Cause = firing.Trace ?? record.Cause;
                    }

                    return firing.Service;
                }
            case AlertEnded ended when _endedAlerts.TryAdd(ended.AlertId, ended.At):
                {
                    // Once: a redelivered resolution must not move the end (and the stabilization window) later.
                    var record = Service(ended.Service);
                    record.Firing.Remove(ended.AlertId);
                    record.Cause = ended.Trace ?? record.Cause;
                    if (ended.Direction == Direction.Up && (record.LastUpAlertEnded is null || ended.At > record.LastUpAlertEnded.At))
                    {
                        record.LastUpAlertEnded = new EndedAlert(ended.AlertId, ended.At);
                    }

                    return ended.Service;
                }
            case ControlChanged control:
                {
                    var record = Service(control.Service);
                    record.Cause = control.Trace ?? record.Cause;
                    var before = record.Controls;
                    var paused = control.Paused is not null;
                    var dryRun = control.DryRun is not null;
                    record.Controls = new ControlState(
                        control.Paused ?? before.Paused,
                        control.Paused switch { true => control.PauseReplicas, false => null, null => before.PauseReplicas },
                        control.DryRun ?? before.DryRun,
                        paused ? control.By : before.By,
                        paused ? control.Reason : before.Reason,
                        paused ? control.At : before.At,
                        dryRun ? control.By : before.DryRunBy,
                        dryRun ? control.Reason : before.DryRunReason,
                        dryRun ? control.At : before.DryRunAt);
                    return control.Service;
                }
            case OperatorRequested request when _handled.TryAdd(request.RequestId, request.At):
                {
                    var record = Service(request.Service);
                    record.Requests.Add(new OperatorRequest(request.RequestId, request.Replicas, request.Delta, request.By, request.Reason, request.At));
                    record.Cause = request.Trace ?? record.Cause;
                    return request.Service;
                }
            case RecommendationChanged change when change.Epoch >= Epoch:
                {
                    var record = Service(change.Service);
                    record.Recommendations.Add(new Recommendation(change.At, change.Replicas));
                    record.Cause = change.Trace ?? record.Cause;
                    return null;
                }
            case DecisionMade made when made.Epoch is not { } epoch || epoch >= Epoch:
                if (made.Intent)
                {
                    Service(made.Decision.Service).Intent = made;
                }
                else
                {
                    AddFinal(made, offset);
                }

                return made.Decision.Service.Length > 0 ? made.Decision.Service : null;
            case DecisionApplied applied when applied.Epoch >= Epoch:
                {
                    var record = _services.Values.FirstOrDefault(s => s.Intent?.Decision.DecisionId == applied.DecisionId);
                    if (record?.Intent is not { } intent)
                    {
                        return null;
                    }

                    record.Intent = null;
                    // Its cause is served: a later decision (a window opening hours later) starts a trace of its own.
                    record.Cause = null;
                    AddFinal(intent with { Intent = false }, offset);
                    record.Scales.Add(new ScaleEvent(applied.At, intent.Decision.From, intent.Decision.To));
                    return intent.Decision.Service;
                }
            case DecisionAbandoned abandoned when abandoned.Epoch >= Epoch:
                {
                    var record = _services.Values.FirstOrDefault(s => s.Intent?.Decision.DecisionId == abandoned.DecisionId);
                    record?.Intent = null;
                    return null;
                }
            case DecisionsAnnounced announced:
                foreach (var id in announced.DecisionIds)
                {
                    if (_byId.TryGetValue(id, out var known))
                    {
                        known.Announced = true;
                    }
                }

                return null;
            case SnapshotTaken snapshot:
                Restore(snapshot.State, offset);
                return null;
            default:
                return null;
        }
    }

    private void AddFinal(DecisionMade made, long offset)
    {
        var decision = made.Decision;
        // Known already when applied again after a snapshot was taken in: its effects on the services (which the
        // snapshot replaced) are made again, the record itself is not added twice.
        if (!_byId.ContainsKey(decision.DecisionId))
        {
            var record = new DecisionRecord(decision, made.Code, made.RequestId, offset);
            _decisions.Add(record);
            _byId[decision.DecisionId] = record;
        }

        if (made.Supersedes is { } previous && _byId.TryGetValue(previous.DecisionId, out var superseded))
        {
            superseded.Repeats = Math.Max(superseded.Repeats, previous.Repeats);
            superseded.LastRepeatAt = previous.LastAt;
        }

        if (decision.TriggerKey is { } key)
        {
            _handled[key] = decision.At;
        }

        if (decision.Service.Length > 0)
        {
            var service = Service(decision.Service);
            service.LastDecisionId = decision.DecisionId;
            if (made.RequestId is { } request)
            {
                service.Requests.RemoveAll(r => r.RequestId == request);
            }
        }
    }

    /// <summary>A request, an alert's unmatched record, or any other trigger key, already taken in.</summary>
    public bool IsHandled(string key)
    {
        lock (_gate)
        {
            return _handled.ContainsKey(key);
        }
    }

    /// <summary>The episode as the journal knows it: firing (with when it was last recorded as seen), ended, or unknown.</summary>
    public (bool Ended, AlertEpisode? Firing) Episode(string service, string alertId)
    {
        lock (_gate)
        {
            return (_endedAlerts.ContainsKey(alertId),
                _services.TryGetValue(service, out var record) && record.Firing.TryGetValue(alertId, out var firing) ? firing : null);
        }
    }

    public IReadOnlyCollection<string> Services
    {
        get
        {
            lock (_gate)
            {
                return [.. _services.Keys];
            }
        }
    }

    /// <summary>The signals in force for a service, with the metric readings the caller holds.</summary>
    public ServiceSignals Signals(string service, IReadOnlyList<MetricReading> readings)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(service, out var record))
            {
                return ServiceSignals.None with { Metrics = readings };
            }

            return new ServiceSignals([.. record.Firing.Values], record.LastUpAlertEnded, readings, record.Controls, record.Requests.FirstOrDefault());
        }
    }

    public ServiceHistory History(string service)
    {
        lock (_gate)
        {
            return _services.TryGetValue(service, out var record) ? new ServiceHistory([.. record.Scales], [.. record.Recommendations]) : ServiceHistory.Empty;
        }
    }

    public DecisionMade? Intent(string service)
    {
        lock (_gate)
        {
            return _services.TryGetValue(service, out var record) ? record.Intent : null;
        }
    }

    /// <summary>The trace a decision for the service continues (<see cref="ServiceRecord.Cause"/>).</summary>
    public string? Cause(string service)
    {
        lock (_gate)
        {
            return _services.TryGetValue(service, out var record) ? record.Cause : null;
        }
    }

    public DecisionView? LastDecision(string service)
    {
        lock (_gate)
        {
            return _services.TryGetValue(service, out var record) && record.LastDecisionId is { } id && _byId.TryGetValue(id, out var last)
                ? last.View()
                : null;
        }
    }

    public DecisionView? Decision(Guid id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var found) ? found.View() : null;
        }
    }

    /// <summary>The newest decision about an operator's request: the one that answered it, or one that says it waits.</summary>
    public DecisionView? DecisionFor(string requestId)
    {
        lock (_gate)
        {
            for (var i = _decisions.Count - 1; i >= 0; i--)
            {
                if (_decisions[i].RequestId == requestId || _decisions[i].Decision.TriggerKey == requestId)
                {
                    return _decisions[i].View();
                }
            }

            return null;
        }
    }

    /// <summary>Newest first, narrowed, from before a cursor (a decision's offset), at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<DecisionView> Query(string? service, DateTimeOffset? since, ScaleOutcome? outcome, long? before, int limit)
    {
        lock (_gate)
        {
            var found = new List<DecisionView>();
            for (var i = _decisions.Count - 1; i >= 0 && found.Count < limit; i--)
            {
                var record = _decisions[i];
                var d = record.Decision;
                if ((before is null || record.Offset < before) && (service is null || d.Service == service)
                    && (since is null || d.At >= since) && (outcome is null || d.Outcome == outcome))
                {
                    found.Add(record.View());
                }
            }

            return found;
        }
    }

    /// <summary>Decisions not yet announced on the bus, oldest first (the outbox).</summary>
    public IReadOnlyList<ScaleDecisionRecorded> Unannounced(int limit)
    {
        lock (_gate)
        {
            return [.. _decisions.Where(d => !d.Announced).Take(limit).Select(d => d.Decision)];
        }
    }

    /// <summary>The leader counts a repeat of a service's last decision (in memory; journaled with the next decision and in snapshots).</summary>
    public RepeatCount? CountRepeat(string service, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(service, out var record) || record.LastDecisionId is not { } id || !_byId.TryGetValue(id, out var last))
            {
                return null;
            }

            last.Repeats++;
            last.LastRepeatAt = at;
            return new RepeatCount(id, last.Repeats, at);
        }
    }

    public RepeatCount? Repeats(string service)
    {
        lock (_gate)
        {
            return _services.TryGetValue(service, out var record) && record.LastDecisionId is { } id && _byId.TryGetValue(id, out var last)
                && last.LastRepeatAt is { } at
                ? new RepeatCount(id, last.Repeats, at)
                : null;
        }
    }

    public StateSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new StateSnapshot(Incarnation ?? Guid.Empty, LastOffset, _services, _endedAlerts, _handled,
                [.. _decisions.Where(d => !d.Announced).Select(d => d.Decision.DecisionId)],
                [.. _decisions.Where(d => d.LastRepeatAt is not null).Select(d => new RepeatCount(d.Decision.DecisionId, d.Repeats, d.LastRepeatAt!.Value))])
                .Copy();
        }
    }

    /// <summary>
    /// A replica that read the journal from its very first entry (offset 0) knows everything a snapshot says, and more:
    /// entries other replicas appended while the leader took it come before it in the stream, yet are not in it. Only a
    /// replica whose reading began after retention cut the journal takes the snapshot in, and then applies again what
    /// it had read that the snapshot did not include.
    /// </summary>
    private void Restore(StateSnapshot taken, long offset)
    {
        if (FirstOffset == 0)
        {
            return;
        }

        // The state goes on changing; the entry it came from must not (an in-process journal keeps entries as objects).
        var snapshot = taken.Copy();
        Incarnation = snapshot.Incarnation;
        _services.Clear();
        foreach (var (name, record) in snapshot.Services)
        {
            _services[name] = record;
        }

        Replace(_endedAlerts, snapshot.EndedAlerts);
        Replace(_handled, snapshot.Handled);
        var unannounced = snapshot.Unannounced.ToHashSet();
        foreach (var record in _decisions.Where(d => d.Offset <= snapshot.UpTo))
        {
            record.Announced = !unannounced.Contains(record.Decision.DecisionId);
        }

        foreach (var repeat in snapshot.Repeats)
        {
            if (_byId.TryGetValue(repeat.DecisionId, out var known))
            {
                known.Repeats = Math.Max(known.Repeats, repeat.Repeats);
                known.LastRepeatAt = repeat.LastAt;
            }
        }

        var since = _recent.Where(r => r.Offset > snapshot.UpTo && r.Offset < offset).ToList();
        _recent.Clear();
        foreach (var (at, entry) in since)
        {
            ApplyLocked(entry, at);
        }
    }

    /// <summary>What was read since the last snapshot, on a replica that began reading a cut journal (bounded).</summary>
    private void Remember(JournalEntry entry, long offset)
    {
        if (_recent.Count >= 100_000)
        {
            _recent.RemoveRange(0, 10_000);
        }

        _recent.Add((offset, entry));
    }

    private static void Replace(Dictionary<string, DateTimeOffset> target, IReadOnlyDictionary<string, DateTimeOffset> source)
    {
        target.Clear();
        foreach (var (key, value) in source)
        {
            target[key] = value;
        }
    }

    private void TrimLocked(DateTimeOffset now)
    {
        _trimmedAt = now;
        foreach (var record in _services.Values)
        {
            record.Trim(now);
        }

        foreach (var map in new[] { _endedAlerts, _handled })
        {
            foreach (var old in map.Where(e => e.Value < now - Remembered).Select(e => e.Key).ToList())
            {
                map.Remove(old);
            }
        }

        var expired = _decisions.FindIndex(d => d.Decision.At >= now - retention);
        var drop = expired < 0 ? _decisions.Count : expired;
        foreach (var old in _decisions.Take(drop))
        {
            _byId.Remove(old.Decision.DecisionId);
        }

        _decisions.RemoveRange(0, drop);
    }

    private ServiceRecord Service(string name)
    {
        if (!_services.TryGetValue(name, out var record))
        {
            record = new ServiceRecord();
            _services[name] = record;
        }

        return record;
    }

    /// <summary>A final decision and what is counted about it after it was recorded.</summary>
    private sealed class DecisionRecord(ScaleDecisionRecorded decision, string code, string? requestId, long offset)
    {
        public ScaleDecisionRecorded Decision { get; } = decision;
        public string Code { get; } = code;
        public string? RequestId { get; } = requestId;
        public long Offset { get; } = offset;
        public int Repeats { get; set; }
        public DateTimeOffset? LastRepeatAt { get; set; }
        public bool Announced { get; set; }

        public DecisionView View() => new(Decision, Code, RequestId, Offset, Repeats, LastRepeatAt);
    }
}
