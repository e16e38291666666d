using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PretixOps.Opsctl.Control;
using PretixOps.Opsctl.DeadLetters;
using Spectre.Console;

namespace PretixOps.Opsctl;

/// <summary>A command line that cannot mean anything: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The command tree. Exit codes: 0 success, 1 operational failure, 2 usage error.</summary>
public static partial class OpsctlCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly Option<string?> Broker = new("--broker") { Description = "RabbitMQ as amqp://user@host:port/vhost ($OPSCTL_BROKER)", Recursive = true };
    private static readonly Option<string?> PasswordFile = new("--password-file") { Description = "File holding the broker password ($OPSCTL_PASSWORD_FILE, $OPSCTL_PASSWORD)", Recursive = true };
    private static readonly Option<string?> Management = new("--management") { Description = "Management API URL ($OPSCTL_MANAGEMENT; default http://<broker host>:15672)", Recursive = true };
    private static readonly Option<string?> Scaler = new("--scaler") { Description = "Scaler URL ($OPSCTL_SCALER; default http://localhost:5105)", Recursive = true };
    private static readonly Option<string?> Registration = new("--registration") { Description = "Registration URL ($OPSCTL_REGISTRATION; default http://localhost:5101)", Recursive = true };
    private static readonly Option<string?> TokenFile = new("--token-file") { Description = "File holding the API bearer token ($OPSCTL_TOKEN_FILE, $OPSCTL_TOKEN)", Recursive = true };
    private static readonly Option<string?> Config = new("--config") { Description = "Config file ($OPSCTL_CONFIG; default ~/.config/opsctl/config.json)", Recursive = true };
    private static readonly Option<bool> AsJson = new("--json") { Description = "Write JSON instead of tables", Recursive = true };
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Say more when something fails", Recursive = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("opsctl: dead letters, the Scaler's status, controls and decisions, registrations and scaling for PretixOps")
        {
            Broker, PasswordFile, Management, Scaler, Registration, TokenFile, Config, AsJson, Verbose,
            DeadLetterCommands(),
            StatusCommand(),
            PauseCommand(),
            ResumeCommand(),
            DryRunCommand(),
            ScaleCommand(),
            DecisionsCommand(),
            InstancesCommand(),
        };
        // Spectre binds to Console.Out when it is first used; bound to the writer in force now, tables go where a host
        // that redirects Console.Out (a test) looks for them.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (!AnsiConsole.Profile.Out.IsTerminal)
        {
            // Into a file or a pipe: no terminal width to honour, so tables are not folded at 80 columns.
            AnsiConsole.Profile.Width = 240;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, like every other error: what is wrong, and where the help for it is.
            var errors = string.Join(" ", parsed.Errors.Select(e => string.Join(" ", e.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))));
            await Console.Error.WriteLineAsync($"opsctl: {errors} Try '{CommandLine(parsed.CommandResult)} --help'.");
            return 2;
        }
        // Ctrl+C cancels the command's token; the command then commits the batch in flight and stops. The default
        // grace of 2 s would end the process mid-commit, so it is long: the broker, not a timer, bounds a commit.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(2) });
    }

    /// <summary>The command as typed (<c>opsctl dlq replay</c>), whatever the executable is called.</summary>
    private static string CommandLine(CommandResult command)
    {
        var names = new List<string>();
        for (var at = command; at.Parent is CommandResult parent; at = parent)
        {
            names.Insert(0, at.Command.Name);
        }
        return string.Join(' ', names.Prepend("opsctl"));
    }

    /// <summary>Runs a command's work with the one error policy: one readable line, detail with --verbose.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, OpsctlSettings, CancellationToken, Task<int>> work) =>
        async (parse, cancellationToken) =>
        {
            var verbose = parse.GetValue(Verbose);
            try
            {
                var settings = OpsctlSettings.Resolve(new OpsctlSettings.Flags(parse.GetValue(Broker), parse.GetValue(PasswordFile),
                    parse.GetValue(Management), parse.GetValue(Scaler), parse.GetValue(Registration), parse.GetValue(TokenFile),
                    parse.GetValue(Config)), Environment.GetEnvironmentVariable);
                if (verbose)
                {
                    await Console.Error.WriteLineAsync($"opsctl: {settings}");
                }
                return await work(parse, settings, cancellationToken);
            }
            catch (UsageException e)
            {
                await Console.Error.WriteLineAsync($"opsctl: {e.Message}");
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("opsctl: cancelled.");
                return 1;
            }
#pragma warning disable CA1031 // the one place every failure becomes a line and an exit code, never a stack trace
            catch (Exception e)
#pragma warning restore CA1031
            {
                await Console.Error.WriteLineAsync($"opsctl: {e.Message}");
                if (verbose)
                {
                    await Console.Error.WriteLineAsync(e.ToString());
                }
                return 1;
            }
        };

    // --- dead letters ----------------------------------------------------------------------------

    private static readonly Argument<string> Queue = new("queue") { Description = "A dead-letter queue, such as scaler_error" };
    private static readonly Option<string?> Id = new("--id") { Description = "Only the message with this message id" };
    private static readonly Option<bool> All = new("--all") { Description = "Every message in the queue (with filters: every one that matches)" };
    private static readonly Option<string?> Exception = new("--exception") { Description = "Only messages that failed with this exception type (full or short name)" };
    private static readonly Option<string?> MessageType = new("--message-type") { Description = "Only messages of this type (full or short name)" };
    private static readonly Option<string?> Since = new("--since") { Description = "Only messages that failed at or after this time (ISO 8601, or 30m / 2h / 1d ago)" };
    private static readonly Option<string?> Until = new("--until") { Description = "Only messages that failed at or before this time" };
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Say what would happen; change nothing" };

    private static Command DeadLetterCommands()
    {
        var scan = new Option<int>("--scan") { Description = "Messages read per queue to group failures", DefaultValueFactory = _ => 10_000 };
        var list = new Command("list", "Every *_error and *_skipped queue with its depth, and failures grouped by exception and message type") { scan };
        list.SetAction(Guarded((parse, settings, ct) => ListAsync(settings, parse.GetValue(scan), parse.GetValue(AsJson), ct)));

        var limit = new Option<int>("--limit") { Description = "Messages to show at most", DefaultValueFactory = _ => 20 };
        var show = new Command("show", "Messages with their fault headers and body, left in the queue") { Queue, Id, limit };
        show.SetAction(Guarded((parse, settings, ct) =>
            ShowAsync(settings, parse.GetRequiredValue(Queue), parse.GetValue(Id), parse.GetValue(limit), parse.GetValue(AsJson), ct)));

        var rate = new Option<string?>("--rate") { Description = "Messages per second at most, such as 50 or 50/s" };
        var replay = new Command("replay", "Return messages to the queue they failed on, without the fault headers")
        {
            Queue, Id, All, Exception, MessageType, Since, Until, rate, DryRun,
        };
        replay.SetAction(Guarded((parse, settings, ct) => MoveAsync(parse, settings, MoveTarget.Replay, ParseRate(parse.GetValue(rate)), ct)));

        var archive = new Command("archive", "Move messages to <queue>_archive, kept for inspection") { Queue, Id, All, Exception, MessageType, Since, Until, DryRun };
        archive.SetAction(Guarded((parse, settings, ct) => MoveAsync(parse, settings, MoveTarget.Archive, null, ct)));

        var yes = new Option<bool>("--yes") { Description = "Yes, delete them" };
        var purge = new Command("purge", "Delete messages for good") { Queue, Id, All, Exception, MessageType, Since, Until, yes };
        purge.SetAction(Guarded(async (parse, settings, ct) =>
        {
            var selection = SelectionOf(parse);
            if (!parse.GetValue(yes))
            {
                throw new UsageException("purge deletes messages for good: add --yes.");
            }
            await using var queues = new DeadLetterQueues(settings);
            var (scanned, deleted) = await queues.PurgeAsync(DeadLetterQueue(parse, allowArchive: true), selection, ct);
            Report(parse.GetValue(AsJson), new { queue = parse.GetRequiredValue(Queue), scanned, deleted }, $"Deleted {deleted} of {scanned} messages.");
            return 0;
        }));

        return new Command("dlq", "Dead letters: list, show, replay, archive, purge") { list, show, replay, archive, purge };
    }

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
            Console.WriteLine(JsonSerializer.Serialize(new { queues = depths.Select(q => new { name = q.Name, messages = q.Messages }), groups }, Json));
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
                    group.Count.ToString("N0", CultureInfo.InvariantCulture), Time(group.First), Time(group.Last));
            }
            AnsiConsole.Write(groupTable);
        }
        else if (depths.Count == 0)
        {
            AnsiConsole.WriteLine("No dead-letter queues.");
        }
        return 0;
    }

    /// <summary>Failures of one kind in one queue.</summary>
    public sealed record FailureGroup(string Queue, string Exception, string MessageType, int Count, DateTimeOffset? First, DateTimeOffset? Last);

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
            Console.WriteLine(JsonSerializer.Serialize(shown, Json));
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

    private static async Task<int> MoveAsync(ParseResult parse, OpsctlSettings settings, MoveTarget target, double? rate, CancellationToken cancellationToken)
    {
        var queue = DeadLetterQueue(parse, allowArchive: target == MoveTarget.Replay);
        var selection = SelectionOf(parse);
        var dryRun = parse.GetValue(DryRun);
        var json = parse.GetValue(AsJson);
        await using var queues = new DeadLetterQueues(settings);
        MoveResult result;
        if (!json && !dryRun && AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"{(target == MoveTarget.Replay ? "Replaying" : "Archiving")} {Markup.Escape(queue)}");
                return await queues.MoveAsync(queue, selection, target, rate, dryRun, (done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                }, cancellationToken);
            });
        }
        else
        {
            result = await queues.MoveAsync(queue, selection, target, rate, dryRun, null, cancellationToken);
        }
        var verb = target == MoveTarget.Replay ? "replayed" : "archived";
        Report(json, new { queue, dryRun, result.Scanned, result.Selected, moved = result.Moved, result.Cancelled },
            dryRun
                ? $"Dry run: {result.Selected} of {result.Scanned} messages would be {verb}; nothing changed."
                : $"{char.ToUpperInvariant(verb[0])}{verb[1..]} {result.Moved} of {result.Selected} selected ({result.Scanned} read)" +
                  (result.Cancelled ? "; stopped by Ctrl+C, run it again to finish." : "."));
        return result.Cancelled ? 1 : 0;
    }

    /// <summary>Moves and purges act on dead letters only: pointed at a live queue they would race its consumer.</summary>
    private static string DeadLetterQueue(ParseResult parse, bool allowArchive)
    {
        var queue = parse.GetRequiredValue(Queue);
        return DeadLetterQueues.IsDeadLetterQueue(queue) || (allowArchive && queue.EndsWith("_archive", StringComparison.Ordinal))
            ? queue
            : throw new UsageException($"'{queue}' is not a dead-letter queue (*_error, *_skipped{(allowArchive ? ", *_archive" : "")}).");
    }

    private static Selection SelectionOf(ParseResult parse)
    {
        var selection = new Selection(parse.GetValue(Id), parse.GetValue(All), parse.GetValue(Exception), parse.GetValue(MessageType),
            ParseTime(parse.GetValue(Since), "--since"), ParseTime(parse.GetValue(Until), "--until"));
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

    // --- the registry ----------------------------------------------------------------------------

    private static Command InstancesCommand()
    {
        var service = new Option<string?>("--service") { Description = "Only this service" };
        var job = new Option<string?>("--job") { Description = "Only instances with an exporter of this job" };
        var command = new Command("instances", "What is registered now") { service, job };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            var instances = await control.InstancesAsync(parse.GetValue(service), parse.GetValue(job), ct);
            if (parse.GetValue(AsJson))
            {
                Console.WriteLine(JsonSerializer.Serialize(instances, Json));
                return 0;
            }
            var table = new Table().AddColumns("Instance", "Service", "Node", "Address", "Exporters", "Expires");
            foreach (var i in instances)
            {
                table.AddRow(Markup.Escape(i.InstanceId), Markup.Escape(i.Service), Markup.Escape(i.Node ?? "-"), Markup.Escape(i.Address),
                    Markup.Escape(string.Join(", ", i.Exporters.Select(e => $"{e.Job}:{e.Port}"))), Time(i.ExpiresAt));
            }
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"{instances.Count} instance(s).");
            return 0;
        }));
        return command;
    }

    // --- parsing and output ----------------------------------------------------------------------

    public static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }
        if (RelativePattern().Match(text) is { Success: true } relative)
        {
            var amount = int.Parse(relative.Groups[1].Value, CultureInfo.InvariantCulture);
            return DateTimeOffset.UtcNow - relative.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at : throw new UsageException($"{option} must be a time (2026-11-26T03:00:00Z) or an age (30m, 2h, 1d), not '{text}'.");
    }

    public static double? ParseRate(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var number = text.EndsWith("/s", StringComparison.Ordinal) ? text[..^2] : text;
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0
            ? rate : throw new UsageException($"--rate must be messages per second, such as 50 or 50/s, not '{text}'.");
    }

    private static void Report(bool json, object value, string text)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(value, Json));
        }
        else
        {
            AnsiConsole.WriteLine(text);
        }
    }

    private static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    private static string? Excerpt(string? stackTrace) =>
        stackTrace is null ? null : string.Join('\n', stackTrace.Split('\n').Take(6));

    [GeneratedRegex("^([0-9]{1,6})([smhd])$")]
    private static partial Regex RelativePattern();
}
