using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler;

/// <summary>Alerts and operators' requests in, decisions out. Docker failures throw: the bus retries, then dead-letters.</summary>
public sealed class ScaleConsumer(ScaleEngine engine, IOptions<ScalerOptions> options)
    : IConsumer<AlertFired>, IConsumer<AlertResolved>, IConsumer<ScaleService>
{
    public Task Consume(ConsumeContext<AlertFired> context) =>
        engine.DecideAsync(Requests.For(context.Message, options.Value), context, context.CancellationToken);

    public async Task Consume(ConsumeContext<AlertResolved> context)
    {
        if (Requests.For(context.Message, options.Value) is { } request)
        {
            await engine.DecideAsync(request, context, context.CancellationToken);
        }
    }

    public Task Consume(ConsumeContext<ScaleService> context) =>
        engine.DecideAsync(Requests.For(context.Message, context.MessageId), context, context.CancellationToken);
}

/// <summary>
/// One queue, one active consumer at a time across all Scaler replicas (RabbitMQ's single active consumer):
/// two replicas never race on one service, and the standby takes over when the active one goes.
/// </summary>
public sealed class ScaleConsumerDefinition : ConsumerDefinition<ScaleConsumer>
{
    public ScaleConsumerDefinition() => EndpointName = "scaler";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ScaleConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SingleActiveConsumer = true;
        }
    }
}

/// <summary>When the retries are exhausted and a trigger goes to the error queue, the record says so: a Failed decision.</summary>
public sealed class FailedScaleConsumer(ScaleEngine engine, IOptions<ScalerOptions> options)
    : IConsumer<Fault<AlertFired>>, IConsumer<Fault<AlertResolved>>, IConsumer<Fault<ScaleService>>
{
    // An alert that was malformed never became a request: there is no decision to mark Failed, and the
    // error queue already holds it with the reason.
    public Task Consume(ConsumeContext<Fault<AlertFired>> context) =>
        RecordAsync(context, Requests.IsWellFormed(context.Message.Message) ? Requests.For(context.Message.Message, options.Value) : null, context.Message);

    public Task Consume(ConsumeContext<Fault<AlertResolved>> context) =>
        RecordAsync(context, Requests.IsWellFormed(context.Message.Message) ? Requests.For(context.Message.Message, options.Value) : null, context.Message);

    public Task Consume(ConsumeContext<Fault<ScaleService>> context) =>
        RecordAsync(context, Requests.ForFault(context.Message.Message, context.Message.FaultedMessageId), context.Message);

    private Task RecordAsync(ConsumeContext context, ScaleRequest? request, Fault fault) =>
        request is null
            ? Task.CompletedTask
            : engine.RecordFailedAsync(request,
                "failed after retries, in the error queue: " + string.Join("; ", fault.Exceptions.Select(e => e.Message)),
                context, context.CancellationToken);
}

public sealed class FailedScaleConsumerDefinition : ConsumerDefinition<FailedScaleConsumer>
{
    public FailedScaleConsumerDefinition() => EndpointName = "scaler-faults";
}

/// <summary>How each message becomes a <see cref="ScaleRequest"/>: the first rule that matches decides the service and direction.</summary>
public static class Requests
{
    public static ScaleRequest For(AlertFired alert, ScalerOptions options)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(options);
        Require(nameof(AlertFired), alert.AlertId, alert.Name, alert.Labels);
        var rule = options.Rules.FirstOrDefault(r => r.Matches(alert.Name, alert.Labels));
        return new ScaleRequest($"{alert.AlertId}/fired", alert.AlertId, rule?.Service, rule?.Direction, rule?.Direction == Direction.Up);
    }

    /// <summary>A resolved up-alert scales down (after the stabilization window); a resolved down-alert does nothing.</summary>
    public static ScaleRequest? For(AlertResolved alert, ScalerOptions options)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(options);
        Require(nameof(AlertResolved), alert.AlertId, alert.Name, alert.Labels);
        var rule = options.Rules.FirstOrDefault(r => r.Matches(alert.Name, alert.Labels));
        return rule switch
        {
            null => new ScaleRequest($"{alert.AlertId}/resolved", alert.AlertId, null, null, false),
            { Direction: Direction.Up } => new ScaleRequest($"{alert.AlertId}/resolved", alert.AlertId, rule.Service, Direction.Down, false),
            _ => null,
        };
    }

    public static bool IsWellFormed(AlertFired alert) => Missing(alert?.AlertId, alert?.Name, alert?.Labels).Count == 0;

    public static bool IsWellFormed(AlertResolved alert) => Missing(alert?.AlertId, alert?.Name, alert?.Labels).Count == 0;

    /// <summary>
    /// AlertIngest validates what it publishes, but the bus takes any JSON: a message without these fields is refused
    /// for good (no retries), naming what it lacks, instead of failing somewhere inside the rules.
    /// </summary>
    private static void Require(string message, string? alertId, string? name, IReadOnlyDictionary<string, string>? labels)
    {
        var missing = Missing(alertId, name, labels);
        if (missing.Count > 0)
        {
            throw new PermanentMessageException($"Invalid {message}: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing.");
        }
    }

    private static List<string> Missing(string? alertId, string? name, IReadOnlyDictionary<string, string>? labels)
    {
        List<string> missing = [];
        if (string.IsNullOrWhiteSpace(alertId))
        {
            missing.Add("AlertId");
        }
        if (string.IsNullOrWhiteSpace(name))
        {
            missing.Add("Name");
        }
        if (labels is null || labels.Any(l => l.Key is null || l.Value is null))
        {
            missing.Add("Labels");
        }
        return missing;
    }

    /// <summary>The record of a failed operator request, even an invalid one (which never became a request).</summary>
    public static ScaleRequest ForFault(ScaleService command, Guid? messageId)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new ScaleRequest(
            $"operator:{messageId}", $"operator:{command.RequestedBy}", Names.IsValid(command.Service) ? command.Service : null, null, false,
            command.Replicas, command.Delta);
    }

    public static ScaleRequest For(ScaleService command, Guid? messageId)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!Names.IsValid(command.Service) || (command.Replicas is null) == (command.Delta is null)
            || command.Replicas is < 0 || string.IsNullOrWhiteSpace(command.Reason) || string.IsNullOrWhiteSpace(command.RequestedBy))
        {
            throw new PermanentMessageException(
                "Invalid ScaleService: a valid Service, exactly one of Replicas (0 or more) and Delta, a Reason and RequestedBy are required.");
        }

        return new ScaleRequest($"operator:{messageId}", $"operator:{command.RequestedBy}", command.Service, null, false, command.Replicas, command.Delta);
    }
}
