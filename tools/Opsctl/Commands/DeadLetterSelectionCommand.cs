using System.CommandLine;
using PretixOps.Opsctl.DeadLetters;

namespace PretixOps.Opsctl.Commands;

/// <summary>
/// What replay, archive and purge share: a dead-letter queue and which of its messages (<c>--id</c>, <c>--all</c> or
/// filters). "Everything" must be said, and a live queue is refused.
/// </summary>
internal abstract class DeadLetterSelectionCommand : OpsctlCommand
{
    private readonly Argument<string> _queue = DeadLetterCommand.QueueArgument();
    private readonly Option<string?> _id = IdOption();
    private readonly Option<bool> _all = new("--all") { Description = "Every message in the queue (with filters: every one that matches)" };
    private readonly Option<string?> _exception = new("--exception") { Description = "Only messages that failed with this exception type (full or short name)" };
    private readonly Option<string?> _messageType = new("--message-type") { Description = "Only messages of this type (full or short name)" };
    private readonly Option<string?> _since = new("--since") { Description = "Only messages that failed at or after this time (ISO 8601, or 30m / 2h / 1d ago)" };
    private readonly Option<string?> _until = new("--until") { Description = "Only messages that failed at or before this time" };

    protected DeadLetterSelectionCommand(string name, string description) : base(name, description)
    {
        Arguments.Add(_queue);
        foreach (var option in (Option[])[_id, _all, _exception, _messageType, _since, _until])
        {
            Options.Add(option);
        }
    }

    public static Option<string?> IdOption() => new("--id") { Description = "Only the message with this message id" };

    protected string QueueOf(ParseResult parse) => parse.GetRequiredValue(_queue);

    /// <summary>Moves and purges act on dead letters only: pointed at a live queue they would race its consumer.</summary>
    protected string DeadLetterQueue(ParseResult parse, bool allowArchive)
    {
        var queue = QueueOf(parse);
        return DeadLetterQueues.IsDeadLetterQueue(queue) || (allowArchive && queue.EndsWith("_archive", StringComparison.Ordinal))
            ? queue
            : throw new UsageException($"'{queue}' is not a dead-letter queue (*_error, *_skipped{(allowArchive ? ", *_archive" : "")}).");
    }

    protected Selection SelectionOf(ParseResult parse)
    {
        var selection = new Selection(parse.GetValue(_id), parse.GetValue(_all), parse.GetValue(_exception), parse.GetValue(_messageType),
            OpsctlCommands.ParseTime(parse.GetValue(_since), "--since"), OpsctlCommands.ParseTime(parse.GetValue(_until), "--until"));
        if (selection.Id is not null && selection.All)
        {
            throw new UsageException("--id and --all do not go together.");
        }
        if (!selection.All && !selection.IsNarrowed)
        {
            throw new UsageException("say which messages: --id ID, a filter (--exception, --message-type, --since, --until), or --all.");
        }
        return selection;
    }
}
