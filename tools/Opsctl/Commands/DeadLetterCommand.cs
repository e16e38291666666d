using System.CommandLine;
using PretixOps.Contracts;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq</c>: the dead-letter commands, over AMQP and the management API.</summary>
internal sealed class DeadLetterCommand : Command
{
    public DeadLetterCommand() : base("dlq", "Dead letters: list, show, replay, archive, purge")
    {
        Subcommands.Add(new DeadLetterListCommand());
        Subcommands.Add(new DeadLetterShowCommand());
        Subcommands.Add(new DeadLetterReplayCommand());
        Subcommands.Add(new DeadLetterArchiveCommand());
        Subcommands.Add(new DeadLetterPurgeCommand());
    }

    /// <summary>The queue a dead-letter command reads; the example is a real one, MassTransit's name for the Scaler's failures.</summary>
    public static Argument<string> QueueArgument() => new("queue") { Description = $"A dead-letter queue, such as {QueueNames.Scaler}_error" };
}
