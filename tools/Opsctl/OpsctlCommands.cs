using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using PretixOps.Opsctl.Commands;
using Spectre.Console;

namespace PretixOps.Opsctl;

/// <summary>
/// The command tree (a file per command under <c>Commands/</c>) and how option values are parsed. Exit codes: 0 success,
/// 1 operational failure, 2 usage error.
/// </summary>
public static partial class OpsctlCommands
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("opsctl: dead letters, the Scaler's status, controls and decisions, registrations and scaling for PretixOps");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }
        foreach (var command in (Command[])[new DeadLetterCommand(), new StatusCommand(), new PauseCommand(), new ResumeCommand(),
                     new DryRunCommand(), new ScaleCommand(), new DecisionsCommand(), new InstancesCommand()])
        {
            root.Subcommands.Add(command);
        }
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

    /// <summary>A time (ISO 8601) or an age (<c>30m</c>, <c>2h</c>, <c>1d</c>) for <c>--since</c> and <c>--until</c>.</summary>
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

    /// <summary>Messages per second for <c>dlq replay --rate</c>: <c>50</c> or <c>50/s</c>.</summary>
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

    /// <summary>The replicas of <c>scale</c>: a count (<c>3</c>) or a step (<c>+1</c>, <c>-1</c>).</summary>
    public static (int? Replicas, int? Delta) ParseReplicas(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ReplicasPattern().Match(text) is not { Success: true } match)
        {
            throw new UsageException($"replicas must be a count (3) or a step (+1, -1), not '{text}'.");
        }
        var number = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        return match.Groups[1].Value switch
        {
            "+" => (null, number),
            "-" => (null, -number),
            _ => (number, null),
        };
    }

    [GeneratedRegex("^([0-9]{1,6})([smhd])$")]
    private static partial Regex RelativePattern();

    [GeneratedRegex("^([+-]?)([0-9]{1,4})$")]
    private static partial Regex ReplicasPattern();
}
