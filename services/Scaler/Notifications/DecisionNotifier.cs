using MassTransit;
using PretixOps.Contracts;

namespace PretixOps.Scaler.Notifications;

/// <summary>On a queue of its own: a chat webhook that is down is retried by the bus and never holds up a scale.</summary>
public sealed class DecisionNotifier(ChatNotifications notifications) : IConsumer<ScaleDecisionRecorded>
{
    public Task Consume(ConsumeContext<ScaleDecisionRecorded> context) =>
        ChatNotifications.Worth(context.Message) ? notifications.NotifyAsync(context.Message, context.CancellationToken) : Task.CompletedTask;
}
