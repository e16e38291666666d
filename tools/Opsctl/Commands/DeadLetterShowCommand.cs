using System.CommandLine;
using System.Globalization;
using PretixOps.Opsctl.DeadLetters;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq show</c>: messages with their fault headers and body, left where they are.</summary>
internal sealed class DeadLetterShowCommand : OpsctlCommand
{
    private readonly Argument<string> _queue = DeadLetterCommand.QueueArgument();
    private readonly Option<string?> _id = DeadLetterSelectionCommand.IdOption();
    private readonly Option<int> _limit = new("--limit") { Description = "Messages to show at most", DefaultValueFactory = _ => 20 };

    public DeadLetterShowCommand() : base("show", "Messages with their fault headers and body, left in the queue")
    {
        Arguments.Add(_queue);
        Options.Add(_id);
        Options.Add(_limit);
        SetWork((parse, settings, ct) =>
            ShowAsync(settings, parse.GetRequiredValue(_queue), parse.GetValue(_id), parse.GetValue(_limit), Json(parse), ct));
    }

    private static async Task<int> ShowAsync(OpsctlSettings settings, string queue, string? id, int limit, bool json, CancellationToken cancellationToken)
    {
        await using var queues = new DeadLetterQueues(settings);
        var letters = (await queues.PeekAsync(queue, id is null ? limit : int.MaxValue, cancellationToken))
            .Where(l => id is null || string.Equals(l.MessageId, id, StringComparison.OrdinalIgnoreCase))
            .Take(limit)
            .ToList();
        if (id is not null && letters.Count == 0)
        {
            throw new OpsctlException($"no message {id} in {queue}.");
        }
        var shown = letters.Select(l => new
        {
            messageId = l.MessageId,
            messageType = l.MessageType,
            exceptionType = l.ExceptionType,
            exceptionMessage = l.ExceptionMessage,
            stackTrace = Excerpt(l.Header("MT-Fault-StackTrace")),
            consumer = l.Header("MT-Fault-ConsumerType"),
            inputQueue = l.InputQueue,
            retryCount = l.Header("MT-Fault-RetryCount"),
            redeliveryCount = l.Header("MT-Redelivery-Count"),
            host = l.Header("MT-Host-MachineName"),
            faultedAt = l.FaultedAt,
            headers = l.Headers,
            body = System.Text.Encoding.UTF8.GetString(l.Body.Span),
        }).ToList();
        if (json)
        {
            Output.WriteJson(shown);
            return 0;
        }
        foreach (var letter in shown)
        {
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string name, object? value) => grid.AddRow($"[bold]{name}[/]", Markup.Escape(value?.ToString() ?? "-"));
            Row("Message id", letter.messageId);
            Row("Message type", letter.messageType);
            Row("Exception", letter.exceptionType);
            Row("Message", letter.exceptionMessage);
            Row("Consumer", letter.consumer);
            Row("Input queue", letter.inputQueue);
            Row("Retries", letter.retryCount);
            Row("Redeliveries", letter.redeliveryCount);
            Row("Host", letter.host);
            Row("Failed at", letter.faultedAt?.ToString("u", CultureInfo.InvariantCulture));
            Row("Stack trace", letter.stackTrace);
            Row("Body", letter.body);
            AnsiConsole.Write(new Panel(grid).Header(Markup.Escape(queue)));
        }
        AnsiConsole.WriteLine($"{shown.Count} message(s).");
        return 0;
    }

    private static string? Excerpt(string? stackTrace) =>
        stackTrace is null ? null : string.Join('\n', stackTrace.Split('\n').Take(6));
}
