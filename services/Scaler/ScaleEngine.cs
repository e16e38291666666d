using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;

namespace PretixOps.Scaler;

/// <summary>One thing to decide about: an alert (firing or resolved), an operator's request, or a deferred scale-down.</summary>
/// <param name="Key">What makes it the same trigger again (an alert episode, a message id): decided once.</param>
/// <param name="Trigger">What the record shows as the trigger: the alert id, or <c>operator:NAME</c>.</param>
public sealed record ScaleRequest(
    string Key,
    string Trigger,
    string? Service,
    Direction? Direction,
    bool UpReason,
    int? Replicas = null,
    int? Delta = null);

/// <summary>
/// Turns a request into a recorded decision and, when the policy says so, a replica change in Docker.
/// Decisions for one service are serialised here (one replica consumes at a time: the queue has a single
/// active consumer); different services proceed in parallel.
/// </summary>
public sealed class ScaleEngine(
    IOptions<ScalerOptions> options,
    DecisionHistory history,
    ISwarm swarm,
    TimeProvider clock,
    ILogger<ScaleEngine> logger)
{
    private static readonly Counter Decisions = Metrics.CreateCounter(
        "pretixops_scaler_decisions_total", "Scale decisions by service and outcome.", "service", "outcome");

    private static readonly Gauge CurrentReplicas = Metrics.CreateGauge(
        "pretixops_scaler_replicas", "Replicas of a policy's service as Docker reported them at the last decision.", "service");

    private static readonly Gauge DesiredReplicas = Metrics.CreateGauge(
        "pretixops_scaler_desired_replicas", "Replicas the last decision asked for.", "service");

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<ScaleDecisionRecorded> DecideAsync(ScaleRequest request, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(publish);
        var settings = options.Value;
        if (request.Service is null)
        {
            return await RecordAsync(request, "", 0, 0, ScaleOutcome.NoMatchingRule, "no rule matches this alert.", publish, cancellationToken);
        }

        if (!settings.Services.TryGetValue(request.Service, out var policy))
        {
            // Whatever a message says, only the services the policy names are ever touched.
            return await RecordAsync(request, request.Service, 0, 0, ScaleOutcome.NotAllowed,
                $"{request.Service} is not under Scaler:Services.", publish, cancellationToken);
        }

        var gate = _locks.GetOrAdd(request.Service, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await DecideLockedAsync(request, policy, settings, publish, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<ScaleDecisionRecorded> DecideLockedAsync(
        ScaleRequest request, ServicePolicy policy, ScalerOptions settings, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var service = request.Service!;
        var now = clock.GetUtcNow();
        if (request.UpReason)
        {
            history.NoteUpReason(service, now);
        }

        if (history.IsDecided(request.Key))
        {
            return await RecordAsync(request, service, 0, 0, ScaleOutcome.Duplicate, "this trigger was decided before.", publish, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            var state = await swarm.InspectAsync(service, cancellationToken);
            CurrentReplicas.WithLabels(service).Set(state.Replicas);
            if (state.Global)
            {
                return await RecordAsync(request, service, 0, 0, ScaleOutcome.NotAllowed,
                    "a global-mode service has one task per node; it is not scaled.", publish, cancellationToken);
            }

            // A crash after an update but before its record: the update is found done, not applied twice.
            if (history.PendingIntent(request.Key) is { } intent && state.Replicas == intent.To)
            {
                var recovered = await RecordAsync(request, service, intent.From, intent.To, ScaleOutcome.Applied,
                    $"applied before a restart: {intent.From} -> {intent.To}.", publish, cancellationToken);
                await publish.Publish(new ServiceScaled(recovered.DecisionId, service, recovered.From, recovered.To, recovered.At), cancellationToken);
                return recovered;
            }

            var verdict = request.Direction is { } direction
                ? DecisionPolicy.ForAlert(policy, history, service, direction, state.Replicas, now)
                : DecisionPolicy.ForOperator(policy, state.Replicas, request.Replicas, request.Delta);
            DesiredReplicas.WithLabels(service).Set(verdict.To);
            if (verdict.Outcome != ScaleOutcome.Applied)
            {
                if (verdict.DeferUntil is { } until)
                {
                    history.Defer(new DecisionHistory.Deferred($"{request.Key}/after:{until:O}", request.Trigger, service, until));
                }

                return await RecordAsync(request, service, state.Replicas, verdict.To, verdict.Outcome, verdict.Reason, publish, cancellationToken);
            }

            if (verdict.To == state.Replicas)
            {
                // An operator asked for the count the service already has: nothing to change, no cooldown started.
                return await RecordAsync(request, service, state.Replicas, verdict.To, ScaleOutcome.Applied,
                    $"already at {state.Replicas}: nothing to change.", publish, cancellationToken, noChange: true);
            }

            history.Intend(new DecisionHistory.Intent(request.Key, service, state.Replicas, verdict.To));
            if (await swarm.TrySetReplicasAsync(state, verdict.To, cancellationToken))
            {
                var decision = await RecordAsync(request, service, state.Replicas, verdict.To, ScaleOutcome.Applied, verdict.Reason, publish, cancellationToken);
                await publish.Publish(new ServiceScaled(decision.DecisionId, service, decision.From, decision.To, decision.At), cancellationToken);
                logger.LogInformation("Scaled {Service} from {From} to {To}: {Reason}", service, decision.From, decision.To, verdict.Reason);
                return decision;
            }

            if (attempt >= settings.MaxUpdateAttempts)
            {
                throw new InvalidOperationException(
                    $"{service} kept changing under the Scaler: update out of sequence {attempt} times.");
            }

            // Another writer updated the service between our read and our write: read again, after a jittered pause.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 100) * attempt), clock, cancellationToken);
        }
    }

    /// <summary>Records a decision that could not be carried out (Docker down, retries exhausted).</summary>
    public Task<ScaleDecisionRecorded> RecordFailedAsync(ScaleRequest request, string reason, IPublishEndpoint publish, CancellationToken cancellationToken) =>
        RecordAsync(request, request.Service ?? "", 0, 0, ScaleOutcome.Failed, reason, publish, cancellationToken);

    private async Task<ScaleDecisionRecorded> RecordAsync(
        ScaleRequest request, string service, int from, int to, ScaleOutcome outcome, string reason,
        IPublishEndpoint publish, CancellationToken cancellationToken, bool noChange = false)
    {
        var decision = new ScaleDecisionRecorded(Guid.NewGuid(), service, from, to, outcome, reason, request.Trigger, clock.GetUtcNow(), request.Key);
        history.Record(request.Key, decision, outcome == ScaleOutcome.Applied && !noChange ? Direction(from, to) : null);
        Decisions.WithLabels(service, outcome.ToString()).Inc();
        await publish.Publish(decision, cancellationToken);
        return decision;
    }

    private static Direction Direction(int from, int to) => to >= from ? Scaler.Direction.Up : Scaler.Direction.Down;
}
