using MassTransit;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.DiscoveryWriter.Engine;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>
/// Hands registry changes to the engine; returns (and so acknowledges) only once they are saved. Messages
/// come from the bus, where any holder of broker credentials can publish: they are checked here as
/// Registration checks requests, and one that can never be applied goes to the error queue. A change that
/// could not be saved throws, and is retried as <see cref="RegistryChangeConsumerDefinition"/> says.
/// </summary>
public sealed class RegistryChangeConsumer(DiscoveryEngine engine)
    : IConsumer<InstanceRegistered>, IConsumer<InstanceDeregistered>
{
    public Task Consume(ConsumeContext<InstanceRegistered> context)
    {
        InvalidMessageException.ThrowIfAny(context.Message, InstanceRegisteredRules.Check(context.Message));
        return engine.SubmitAsync(context.Message, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<InstanceDeregistered> context)
    {
        InvalidMessageException.ThrowIfAny(context.Message, InstanceDeregisteredRules.Check(context.Message));
        return engine.SubmitAsync(context.Message, context.CancellationToken);
    }
}
