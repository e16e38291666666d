using MassTransit;
using PretixOps.Contracts;

namespace PretixOps.Registration;

/// <summary>
/// Registrations sent over AMQP as plain JSON (any client, or <c>rabbitmqadmin publish</c>) to the
/// <c>instance-registrations</c> queue: taken in exactly as over HTTP. A valid one becomes
/// <see cref="InstanceRegistered"/>, acknowledged only once the broker confirmed it; an invalid one fails without
/// retries and lands in <c>instance-registrations_error</c>, its reason in the fault headers.
/// </summary>
public sealed class RegisterInstanceConsumer(RegistrationIntake intake) : IConsumer<RegisterInstance>
{
    public async Task Consume(ConsumeContext<RegisterInstance> context)
    {
        // No caller address over AMQP: the body must name it.
        var outcome = await intake.AcceptAsync(context.Message, caller: null, "amqp", context.CancellationToken);
        switch (outcome.Result)
        {
            case RegistrationIntake.Result.Rejected or RegistrationIntake.Result.UnknownNode:
                throw new InvalidRegistrationException(outcome.Errors);
            case RegistrationIntake.Result.NodesUnreadable:
                // Docker did not answer: the bus's retries try again, and the error queue keeps it if Docker stays away.
                throw new InvalidOperationException($"The swarm's node list could not be read to check {context.Message.Node}.");
            case RegistrationIntake.Result.Unavailable:
                // Not the message's fault: retried, and unacknowledged meanwhile, so it is not lost.
                throw new RegistrationNotConfirmedException(outcome.Registration!.InstanceId);
        }
    }
}
