using System.CommandLine;
using PretixOps.Opsctl.DeadLetters;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq purge</c>: messages deleted for good, only with <c>--yes</c>.</summary>
internal sealed class DeadLetterPurgeCommand : DeadLetterSelectionCommand
{
    private readonly Option<bool> _yes = new("--yes") { Description = "Yes, delete them" };

    public DeadLetterPurgeCommand() : base("purge", "Delete messages for good")
    {
        Options.Add(_yes);
        SetWork(async (parse, settings, ct) =>
        {
            var selection = SelectionOf(parse);
            if (!parse.GetValue(_yes))
            {
                throw new UsageException("purge deletes messages for good: add --yes.");
            }
            await using var queues = new DeadLetterQueues(settings);
            var (scanned, deleted) = await queues.PurgeAsync(DeadLetterQueue(parse, allowArchive: true), selection, ct);
            Output.Report(Json(parse), new { queue = QueueOf(parse), scanned, deleted }, $"Deleted {deleted} of {scanned} messages.");
            return 0;
        });
    }
}
