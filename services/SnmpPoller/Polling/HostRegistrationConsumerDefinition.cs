using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>Each replica polls every host, so each has its own queue: a fan-out, as DiscoveryWriter's.</summary>
public sealed class HostRegistrationConsumerDefinition : ConsumerDefinition<HostRegistrationConsumer>
{
    public HostRegistrationConsumerDefinition(IOptions<SnmpPollerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = FanOutEndpoint.Name("snmp-poller", options.Value.InstanceName);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<HostRegistrationConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ExpireWhenUnused();
}
