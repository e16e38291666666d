using MassTransit;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.Engine;

namespace PretixOps.DiscoveryWriter;

/// <summary>Answers <see cref="ListInstances"/> for Registration's <c>GET /v1/instances</c>; any replica may answer.</summary>
public sealed class ListInstancesConsumer(DiscoveryEngine engine) : IConsumer<ListInstances>
{
    public async Task Consume(ConsumeContext<ListInstances> context) =>
        await context.RespondAsync(new InstanceList(
            await engine.ListAsync(context.Message.Service, context.Message.Job, context.CancellationToken)));
}
