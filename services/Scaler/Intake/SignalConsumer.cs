using MassTransit;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Intake;

/// <summary>Alerts and operators' requests in; acknowledged once journaled. The bus retries what the journal could not take.</summary>
public sealed class SignalConsumer(SignalIntake intake) : IConsumer<AlertFired>, IConsumer<AlertResolved>, IConsumer<ScaleService>
{
    public Task Consume(ConsumeContext<AlertFired> context) => intake.FiredAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<AlertResolved> context) => intake.ResolvedAsync(context.Message, context.CancellationToken);

    /// <summary>
    /// The bus's way to ask for a count (the HTTP API's is the one that knows who asks: <c>RequestedBy</c> here is
    /// what the sender wrote). Keyed by the message id, so a redelivery is the same request.
    /// </summary>
    public Task Consume(ConsumeContext<ScaleService> context)
    {
        var command = context.Message;
        if (!Names.IsValid(command.Service) || (command.Replicas is null) == (command.Delta is null)
            || command.Replicas is < 0 || string.IsNullOrWhiteSpace(command.Reason) || string.IsNullOrWhiteSpace(command.RequestedBy))
        {
            throw new PermanentMessageException(
                "Invalid ScaleService: a valid Service, exactly one of Replicas (0 or more) and Delta, a Reason and RequestedBy are required.");
        }

        return intake.RequestAsync($"operator:{context.MessageId}", command.Service, command.Replicas, command.Delta, command.RequestedBy,
            command.Reason, context.CancellationToken);
    }
}
