using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.Scaler;

/// <summary>
/// Every replica's copy of the decision record: each reads every <see cref="ScaleDecisionRecorded"/> on a
/// queue of its own and keeps the decisions another replica made. The active replica meets its own
/// decisions here too and skips them (known by id).
/// </summary>
public sealed class RecordReplicaConsumer(DecisionHistory history) : IConsumer<ScaleDecisionRecorded>
{
    public Task Consume(ConsumeContext<ScaleDecisionRecorded> context)
    {
        history.Import(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class RecordReplicaConsumerDefinition : ConsumerDefinition<RecordReplicaConsumer>
{
    public RecordReplicaConsumerDefinition(IOptions<ScalerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = $"scaler-record-{options.Value.InstanceName}";
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RecordReplicaConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // The queue of a replica that is gone for good does not fill up forever.
            rabbit.QueueExpiration = TimeSpan.FromDays(1);
        }
    }
}
