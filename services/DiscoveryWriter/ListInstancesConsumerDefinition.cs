using MassTransit;

namespace PretixOps.DiscoveryWriter;

/// <summary>One queue shared by the replicas (competing consumers): each has the whole registry to answer from.</summary>
public sealed class ListInstancesConsumerDefinition : ConsumerDefinition<ListInstancesConsumer>
{
    public ListInstancesConsumerDefinition() => EndpointName = "discovery-writer-queries";
}
