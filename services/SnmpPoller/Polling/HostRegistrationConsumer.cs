using MassTransit;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// Learns nodes from registrations, held to the same rules as Registration holds them (a node that is not a host name
/// can never be polled): what the rules refuse goes to the error queue.
/// </summary>
public sealed class HostRegistrationConsumer(HostDirectory directory) : IConsumer<InstanceRegistered>, IConsumer<InstanceDeregistered>
{
    public Task Consume(ConsumeContext<InstanceRegistered> context)
    {
        InvalidMessageException.ThrowIfAny(context.Message, InstanceRegisteredRules.Check(context.Message));
        directory.Apply(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InstanceDeregistered> context)
    {
        InvalidMessageException.ThrowIfAny(context.Message, InstanceDeregisteredRules.Check(context.Message));
        directory.Apply(context.Message);
        return Task.CompletedTask;
    }
}
