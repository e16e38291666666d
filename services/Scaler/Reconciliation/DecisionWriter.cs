using System.Collections.Concurrent;
using System.Globalization;
using Docker.DotNet;
using PretixOps.Contracts;
using PretixOps.Scaler.Control;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using PretixOps.ServiceDefaults;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// How the leader writes what it decided: refusals and dry runs into the journal once (a repeat is counted, not
/// stored); changes as an intent, then Docker's versioned update carrying the decision's id and the leader's epoch in
/// the service's labels, then applied (or abandoned). The labels are what a later leader reads to settle an intent
/// that a crash left open, and what fences a leader that lost its lock without knowing.
/// </summary>
public sealed class DecisionWriter(IJournal journal, ISwarm swarm, PolicyStore policies, TimeProvider clock, ILogger<DecisionWriter> logger)
{
    private static readonly Counter Conflicts = Metrics.CreateCounter(
        "pretixops_scaler_update_conflicts_total", "Updates Docker refused as out of sequence (another writer came first); each is read again and retried.");

    /// <summary>Services that went steady since their last record: the next refusal is a new one, even if it reads the same.</summary>
    private readonly ConcurrentDictionary<string, byte> _steady = new(StringComparer.Ordinal);

    public void NewTerm() => _steady.Clear();

    public void Steady(string service) => _steady[service] = 0;

    /// <summary>Records a decision that changes nothing in Docker, unless it repeats the service's last record.</summary>
    public async Task RecordAsync(string service, Decision decision, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(term);
        var last = journal.State.LastDecision(service);
        if (decision.RequestId is null && !_steady.ContainsKey(service) && last is not null
            && decision.SameAs(last.Decision.Outcome, last.Decision.From, last.Decision.To, last.Code))
        {
            journal.State.CountRepeat(service, clock.GetUtcNow());
            StatusMetrics.Repeated(service, decision.Outcome!.Value);
            return;
        }

        using var span = ServiceTracing.Continue("record " + service, journal.State.Cause(service));
        await AppendAsync(new DecisionMade(term.Epoch, Record(service, decision), decision.Code, decision.RequestId, Intent: false,
            journal.State.Repeats(service)), term);
        _steady.TryRemove(service, out _);
        StatusMetrics.Recorded(service, decision.Outcome!.Value);
    }

    /// <summary>
    /// Applies a change: intent first, then Docker. On "out of sequence" (another writer came first) it reads the
    /// service again and retries, unless the count moved under it (then the next reconcile decides afresh) or a newer
    /// leader wrote it. A Docker failure abandons the intent and is thrown for the caller to wait on.
    /// </summary>
    public async Task ApplyAsync(string service, ServiceState state, Decision decision, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(term);
        // The alert's (or request's) trace goes on here, in whichever replica leads: the Docker update and its log line are in it.
        using var span = ServiceTracing.Continue("scale " + service, journal.State.Cause(service));
        var record = Record(service, decision);
        var id = record.DecisionId;
        await AppendAsync(new DecisionMade(term.Epoch, record, decision.Code, decision.RequestId, Intent: true, journal.State.Repeats(service)), term);
        var labels = new Dictionary<string, string>
        {
            [Reconciler.DecisionLabel] = id.ToString(),
            [Reconciler.EpochLabel] = EpochOf(term),
        };
        var attempts = policies.Current.MaxUpdateAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            bool updated;
            try
            {
                updated = await swarm.TryUpdateAsync(state, decision.To, labels, term.Token);
            }
            catch (DockerApiException e) when ((int)e.StatusCode is >= 400 and < 500)
            {
                // Docker refused it outright: nothing changed.
                await AppendAsync(new DecisionAbandoned(term.Epoch, id, $"Docker: {e.Message}"), term);
                throw;
            }

            // Any other failure (a timeout, a lost connection, a 5xx) may have come after Docker took the update: the
            // intent stays open, and the next observation settles it from the service's labels.

            if (updated)
            {
                await AppendAsync(new DecisionApplied(term.Epoch, id), term);
                _steady.TryRemove(service, out _);
                StatusMetrics.Recorded(service, ScaleOutcome.Applied);
                logger.LogInformation("Scaled {Service} from {From} to {To}: {Reason}", service, decision.From, decision.To, decision.Reason);
                return;
            }

            // Another writer came first. A jittered pause, then read and write at once: the gap between the two is
            // the window another writer can fall into, so nothing waits inside it.
            Conflicts.Inc();
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 100) * attempt), clock, term.Token);
            state = await swarm.InspectAsync(service, term.Token);
            if (FencedOut(state, term) || state.Replicas != decision.From)
            {
                await AppendAsync(new DecisionAbandoned(term.Epoch, id,
                    FencedOut(state, term) ? "a newer leader wrote the service" : $"the service changed under the Scaler (now {state.Replicas})"), term);
                return;
            }
        }

        await AppendAsync(new DecisionAbandoned(term.Epoch, id, $"update out of sequence {attempts} times"), term);
        await RecordAsync(service, decision with
        {
            Outcome = ScaleOutcome.Waiting,
            Code = "contended",
            RequestId = null,
            TriggerKey = decision.RequestId,
            Reason = $"the service kept changing under the Scaler (update out of sequence {attempts} times); tried again at the next reconcile: {decision.Reason}",
        }, term);
    }

    /// <summary>
    /// An intent an earlier leader (or this one, before a failure) left open: Docker's labels say whether its update
    /// happened. Settled either way before anything new is decided for the service. An older leader's intent is
    /// settled only after this leader wrote its epoch into the service's labels: that update moves the service's
    /// version, so an update the old leader still has in flight is refused as out of sequence and cannot land after
    /// the intent was judged. Returns the service as it is now.
    /// </summary>
    public async Task<ServiceState> SettleIntentAsync(string service, ServiceState state, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(term);
        if (journal.State.Intent(service) is not { } intent)
        {
            return state;
        }

        if (intent.Epoch < term.Epoch)
        {
            var stamp = new Dictionary<string, string> { [Reconciler.EpochLabel] = EpochOf(term) };
            for (var attempt = 1; !await swarm.TryUpdateAsync(state, state.Replicas, stamp, term.Token); attempt++)
            {
                Conflicts.Inc();
                if (attempt >= policies.Current.MaxUpdateAttempts)
                {
                    // Still contended: judged at the next reconcile.
                    return await swarm.InspectAsync(service, term.Token);
                }

                state = await swarm.InspectAsync(service, term.Token);
            }
        }

        var id = intent.Decision.DecisionId;
        if (state.Labels.TryGetValue(Reconciler.DecisionLabel, out var written) && written == id.ToString())
        {
            logger.LogInformation("Decision {Decision} for {Service} was applied before its record: recorded now", id, service);
            await AppendAsync(new DecisionApplied(term.Epoch, id), term);
        }
        else
        {
            await AppendAsync(new DecisionAbandoned(term.Epoch, id, "not in Docker's spec: the leader that intended it stopped before its update"), term);
        }

        return intent.Epoch < term.Epoch ? await swarm.InspectAsync(service, term.Token) : state;
    }

    /// <summary>True when Docker's labels show a newer leader of this journal wrote the service: this one must stand down.</summary>
    public bool FencedOut(ServiceState state, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(term);
        if (!state.Labels.TryGetValue(Reconciler.EpochLabel, out var label) || label.Split('/') is not [var incarnation, var epochText])
        {
            return false;
        }

        // A label of another journal (one made anew) says nothing about this one's leaders.
        return incarnation == journal.State.Incarnation?.ToString()
            && long.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            && epoch > term.Epoch;
    }

    /// <summary>Journals the metric targets' recommendation when it changed: the stabilization window's history.</summary>
    public async Task NoteRecommendationAsync(string service, Decision decision, LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(term);
        if (decision.MetricRecommendation is { } replicas && journal.State.History(service).Recommendations is var known && (known.Count == 0 || known[^1].Replicas != replicas))
        {
            await AppendAsync(new RecommendationChanged(service, replicas, term.Epoch), term);
        }
    }

    /// <summary>The journal and the epoch of a term, as the services' labels carry them.</summary>
    private string EpochOf(LeaderTerm term) => $"{journal.State.Incarnation}/{term.Epoch.ToString(CultureInfo.InvariantCulture)}";

    private ScaleDecisionRecorded Record(string service, Decision decision) =>
        new(Guid.NewGuid(), service, decision.From, decision.To, decision.Outcome!.Value, decision.Reason, decision.Trigger, clock.GetUtcNow(),
            decision.TriggerKey ?? decision.RequestId ?? decision.Trigger, decision.Inputs);

    private async Task AppendAsync(JournalEntry entry, LeaderTerm term)
    {
        await journal.AppendAsync(entry with { At = clock.GetUtcNow() }, term.Token);
        if (journal.State.Epoch > term.Epoch)
        {
            // Another replica was elected meanwhile: this one's entries no longer count.
            throw new LeadershipLostException($"a newer leader (epoch {journal.State.Epoch}) was elected; this one's was {term.Epoch}.");
        }
    }
}
