using System.CommandLine;
using System.Globalization;
using PretixOps.Opsctl.DeadLetters;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq list</c>: every dead-letter queue with its depth, and its failures grouped.</summary>
internal sealed class DeadLetterListCommand : OpsctlCommand
{
    private readonly Option<int> _scan = new("--scan") { Description = "Messages read per queue to group failures", DefaultValueFactory = _ => 10_000 };

    public DeadLetterListCommand() : base("list", "Every *_error and *_skipped queue with its depth, and failures grouped by exception and message type")
    {
        Options.Add(_scan);
        SetWork((parse, settings, ct) => ListAsync(settings, parse.GetValue(_scan), Json(parse), ct));
    }

    /// <summary>Failures of one kind in one queue.</summary>
    public sealed record FailureGroup(string Queue, string Exception, string MessageType, int Count, DateTimeOffset? First, DateTimeOffset? Last);

    private static async Task<int> ListAsync(OpsctlSettings settings, int scan, bool json, CancellationToken cancellationToken)
    {
        await using var queues = new DeadLetterQueues(settings);
        var depths = await queues.ListAsync(cancellationToken);
        var groups = new List<FailureGroup>();
        foreach (var (name, messages) in depths.Where(q => q.Messages > 0))
        {
            // Each queue is read whole up to --scan and put back as it was.
            var letters = await queues.PeekAsync(name, scan, cancellationToken);
            groups.AddRange(letters
                .GroupBy(l => (l.ExceptionType ?? (name.EndsWith("_skipped", StringComparison.Ordinal) ? "(skipped)" : "(none)"), l.MessageType ?? "(unknown)"))
                .Select(g => new FailureGroup(name, g.Key.Item1, g.Key.Item2, g.Count(),
                    g.Min(l => l.FaultedAt), g.Max(l => l.FaultedAt)))
                .OrderByDescending(g => g.Count));
        }
        if (json)
        {
            Output.WriteJson(new { queues = depths.Select(q => new { name = q.Name, messages = q.Messages }), groups });
            return 0;
        }
        var queueTable = new Table().AddColumns("Queue", "Messages");
        foreach (var (name, messages) in depths)
        {
            queueTable.AddRow(Markup.Escape(name), messages.ToString("N0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(queueTable);
        if (groups.Count > 0)
        {
            var groupTable = new Table().AddColumns("Queue", "Exception", "Message type", "Count", "First", "Last");
            foreach (var group in groups)
            {
                groupTable.AddRow(Markup.Escape(group.Queue), Markup.Escape(group.Exception), Markup.Escape(group.MessageType),
                    group.Count.ToString("N0", CultureInfo.InvariantCulture), Output.Time(group.First), Output.Time(group.Last));
            }
            AnsiConsole.Write(groupTable);
        }
        else if (depths.Count == 0)
        {
            AnsiConsole.WriteLine("No dead-letter queues.");
        }
        return 0;
    }
}
