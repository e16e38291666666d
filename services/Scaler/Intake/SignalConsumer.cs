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
    /// The bus's way to ask for a count, keyed by the message id, so a redelivery is the same request. The HTTP API is
    /// the one that knows who asks; here the record names the broker user when the message carries one in its
    /// <c>user_id</c> property (which RabbitMQ checks against the connection's user), and otherwise says that
    /// <c>RequestedBy</c> is only what the sender wrote: <c>bus:alice?</c>.
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

        return intake.RequestAsync($"operator:{context.MessageId}", command.Service, command.Replicas, command.Delta, By(context),
            command.Reason, context.CancellationToken);
    }

    internal static string By(ConsumeContext<ScaleService> context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit) && !string.IsNullOrEmpty(rabbit.Properties.UserId)
            ? $"bus:{rabbit.Properties.UserId}"
            : $"bus:{context.Message.RequestedBy}?";
}
