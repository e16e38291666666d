using System.CommandLine;
using PretixOps.Opsctl.DeadLetters;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary>What replay and archive share: the move itself, its progress bar, <c>--dry-run</c> and the report.</summary>
internal abstract class DeadLetterMoveCommand : DeadLetterSelectionCommand
{
    private readonly MoveTarget _target;
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Say what would happen; change nothing" };

    /// <param name="options">The command's own options, listed before <c>--dry-run</c>.</param>
    protected DeadLetterMoveCommand(string name, string description, MoveTarget target, params Option[] options) : base(name, description)
    {
        _target = target;
        foreach (var option in options)
        {
            Options.Add(option);
        }
        Options.Add(_dryRun);
        SetWork((parse, settings, ct) => MoveAsync(parse, settings, RateOf(parse), ct));
    }

    /// <summary>Messages per second at most; null for as fast as the broker takes them.</summary>
    protected virtual double? RateOf(ParseResult parse) => null;

    private async Task<int> MoveAsync(ParseResult parse, OpsctlSettings settings, double? rate, CancellationToken cancellationToken)
    {
        var queue = DeadLetterQueue(parse, allowArchive: _target == MoveTarget.Replay);
        var selection = SelectionOf(parse);
        var dryRun = parse.GetValue(_dryRun);
        var json = Json(parse);
        await using var queues = new DeadLetterQueues(settings);
        MoveResult result;
        if (!json && !dryRun && AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"{(_target == MoveTarget.Replay ? "Replaying" : "Archiving")} {Markup.Escape(queue)}");
                return await queues.MoveAsync(queue, selection, _target, rate, dryRun, (done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                }, cancellationToken);
            });
        }
        else
        {
            result = await queues.MoveAsync(queue, selection, _target, rate, dryRun, null, cancellationToken);
        }
        var verb = _target == MoveTarget.Replay ? "replayed" : "archived";
        Output.Report(json, new { queue, dryRun, result.Scanned, result.Selected, moved = result.Moved, result.Cancelled },
            dryRun
                ? $"Dry run: {result.Selected} of {result.Scanned} messages would be {verb}; nothing changed."
                : $"{char.ToUpperInvariant(verb[0])}{verb[1..]} {result.Moved} of {result.Selected} selected ({result.Scanned} read)" +
                  (result.Cancelled ? "; stopped by Ctrl+C, run it again to finish." : "."));
        return result.Cancelled ? 1 : 0;
    }
}
