using System.Collections.Concurrent;
using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using Prometheus;

namespace PretixOps.Scaler.Intake;

/// <summary>
/// Turns what arrives (alerts, an operator's request, a control) into journal entries, once this replica has read the
/// journal (what it checks a message against is then whole). A message is done once the
/// signal it carries is in the journal: not once Docker changed, which the reconcile loop sees to. What changes
/// nothing is not written again: a repeat of a firing alert (Alertmanager's <c>repeat_interval</c>, a redelivery)
/// only moves the episode's last sighting, and that at most every quarter of <c>AlertStaleAfter</c>.
/// </summary>
public sealed class SignalIntake(IJournal journal, PolicyStore policies, TimeProvider clock)
{
    private static readonly Counter Signals = Metrics.CreateCounter(
        "pretixops_scaler_signals_total", "Signals taken in, by kind and result (recorded, repeat, ended, no_rule).", "kind", "result");

    private readonly ConcurrentDictionary<string, Lazy<Task>> _recording = new(StringComparer.Ordinal);

    private ControllerState State => journal.State;

    public async Task FiredAsync(AlertFired alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        AlertRules.Require(nameof(AlertFired), alert.AlertId, alert.Name, alert.Labels);
        await journal.WhenCaughtUp(cancellationToken);
        var policy = policies.Current;
        if (policy.RuleFor(alert.Name, alert.Labels) is not { } rule)
        {
            await NoRuleAsync(alert, cancellationToken);
            return;
        }

        var service = rule.Service!;
        var staleAfter = policy.Services[service].AlertStaleAfter;
        bool Recorded()
        {
            var (ended, firing) = State.Episode(service, alert.AlertId);
            return ended || (firing is not null && clock.GetUtcNow() - firing.LastSeen < staleAfter / 4);
        }

        if (Recorded())
        {
            Signals.WithLabels("alert_fired", "repeat").Inc();
            return;
        }

        // Deliveries of one alert handled at once share one append: the first writes (if, by then, it still must),
        // the others wait for it, so a burst of repeats is one entry.
        var mine = new Lazy<Task>(async () =>
        {
            if (!Recorded())
            {
                var now = clock.GetUtcNow();
                await journal.AppendAsync(new AlertFiring(alert.AlertId, service, rule.Name!, rule.Direction, alert.StartsAt, now) { At = now },
                    CancellationToken.None);
            }
        });
        var shared = _recording.GetOrAdd(alert.AlertId, mine);
        try
        {
            await shared.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            if (shared == mine)
            {
                _recording.TryRemove(KeyValuePair.Create(alert.AlertId, mine));
            }
        }

        Signals.WithLabels("alert_fired", shared == mine ? "recorded" : "repeat").Inc();
    }

    public async Task ResolvedAsync(AlertResolved alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        AlertRules.Require(nameof(AlertResolved), alert.AlertId, alert.Name, alert.Labels);
        await journal.WhenCaughtUp(cancellationToken);
        if (policies.Current.RuleFor(alert.Name, alert.Labels) is not { } rule)
        {
            Signals.WithLabels("alert_resolved", "no_rule").Inc();
            return;
        }

        if (State.Episode(rule.Service!, alert.AlertId).Ended)
        {
            Signals.WithLabels("alert_resolved", "repeat").Inc();
            return;
        }

        var now = clock.GetUtcNow();
        await journal.AppendAsync(new AlertEnded(alert.AlertId, rule.Service!, rule.Name!, rule.Direction) { At = now }, cancellationToken);
        Signals.WithLabels("alert_resolved", "recorded").Inc();
    }

    /// <summary>
    /// An operator's one-off change, keyed by <paramref name="requestId"/> (a redelivery is the same request). For a
    /// service the policy does not name it is refused at once, recorded as NotAllowed.
    /// </summary>
    /// <returns>True when it waits for the controller to decide; false when it was refused or seen before.</returns>
    public async Task<bool> RequestAsync(string requestId, string service, int? replicas, int? delta, string by, string reason, CancellationToken cancellationToken)
    {
        await journal.WhenCaughtUp(cancellationToken);
        if (State.IsHandled(requestId))
        {
            Signals.WithLabels("operator_request", "repeat").Inc();
            return false;
        }

        var now = clock.GetUtcNow();
        if (!policies.Current.Services.ContainsKey(service))
        {
            // Whatever a message says, only the services the policy names are ever touched.
            var refused = new ScaleDecisionRecorded(Guid.NewGuid(), service, 0, 0, ScaleOutcome.NotAllowed, $"{service} is not under Scaler:Services.",
                $"operator:{by}", now, requestId);
            await journal.AppendAsync(new DecisionMade(null, refused, "not-allowed", requestId, Intent: false) { At = now }, cancellationToken);
            Signals.WithLabels("operator_request", "not_allowed").Inc();
            return false;
        }

        await journal.AppendAsync(new OperatorRequested(requestId, service, replicas, delta, by, reason) { At = now }, cancellationToken);
        Signals.WithLabels("operator_request", "recorded").Inc();
        return true;
    }

    /// <summary>Pause (at the current count, or at <paramref name="pauseAt"/>), resume, or dry run on and off.</summary>
    public async Task ControlAsync(string service, bool? paused, int? pauseAt, bool? dryRun, string by, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await journal.AppendAsync(new ControlChanged(service, paused, pauseAt, dryRun, by, reason) { At = now }, cancellationToken);
        Signals.WithLabels("control", "recorded").Inc();
    }

    /// <summary>An alert no rule matches changes nothing; the record says so once per episode.</summary>
    private async Task NoRuleAsync(AlertFired alert, CancellationToken cancellationToken)
    {
        var key = $"{alert.AlertId}/fired";
        if (State.IsHandled(key))
        {
            Signals.WithLabels("alert_fired", "repeat").Inc();
            return;
        }

        var now = clock.GetUtcNow();
        var decision = new ScaleDecisionRecorded(Guid.NewGuid(), "", 0, 0, ScaleOutcome.NoMatchingRule,
            $"no rule matches this alert ({alert.Name}).", alert.AlertId, now, key);
        await journal.AppendAsync(new DecisionMade(null, decision, "no-rule", null, Intent: false) { At = now }, cancellationToken);
        Signals.WithLabels("alert_fired", "no_rule").Inc();
    }
}
