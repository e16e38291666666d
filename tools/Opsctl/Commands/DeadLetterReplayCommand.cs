using System.CommandLine;
using PretixOps.Opsctl.DeadLetters;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq replay</c>: messages back to the queue they failed on, optionally at a limited rate.</summary>
internal sealed class DeadLetterReplayCommand : DeadLetterMoveCommand
{
    private static readonly Option<string?> Rate = new("--rate") { Description = "Messages per second at most, such as 50 or 50/s" };

    public DeadLetterReplayCommand() : base("replay", "Return messages to the queue they failed on, without the fault headers", MoveTarget.Replay, Rate)
    {
    }

    protected override double? RateOf(ParseResult parse) => OpsctlCommands.ParseRate(parse.GetValue(Rate));
}
