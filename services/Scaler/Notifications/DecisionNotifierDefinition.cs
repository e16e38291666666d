using MassTransit;

namespace PretixOps.Scaler.Notifications;

public sealed class DecisionNotifierDefinition : ConsumerDefinition<DecisionNotifier>
{
    public DecisionNotifierDefinition() => EndpointName = "scaler-notifications";
}
