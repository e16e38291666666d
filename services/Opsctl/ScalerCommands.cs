using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;
using Spectre.Console;

namespace PretixOps.Opsctl;

/// <summary>
/// The Scaler's side of opsctl, all over its HTTP API: what the controller sees and wants (<c>status</c>), the runtime
/// controls (<c>pause</c>, <c>resume</c>, <c>dry-run</c>), an operator's change through the policy (<c>scale</c>) and the
/// decision record (<c>decisions</c>). Who asks is what the token's credential says, never a flag: the record names the
/// caller the Scaler authenticated.
/// </summary>
public static partial class OpsctlCommands
{
    private const int MaxWaitSeconds = 300;
    private const int DefaultPage = 100;
    private const int MaxPage = 1000;

    /// <summary>How far back --follow asks again: longer than a change takes from its decision to Docker's answer.</summary>
    private static readonly TimeSpan Lookback = TimeSpan.FromMinutes(5);

    private static readonly Argument<string> ScalerService = new("service") { Description = "A service the Scaler's policy names, such as pretix_web" };
    private static readonly Option<string> Reason = new("--reason") { Description = "Why, for the record (one line)", Required = true };

    private static readonly JsonSerializerOptions JsonLine = new(JsonSerializerDefaults.Web);

    // --- status and controls ---------------------------------------------------------------------

    private static Command StatusCommand()
    {
        var service = new Argument<string?>("service") { Description = "Only this service, in detail", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "What the Scaler's controller sees and wants for each service, and why") { service };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            var json = parse.GetValue(AsJson);
            if (parse.GetValue(service) is { } name)
            {
                var one = await control.ServiceAsync(name, ct);
                if (json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(one.Json, Json));
                }
                else
                {
                    WriteStatus(one.Value);
                }
                return 0;
            }
            var all = await control.ServicesAsync(ct);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(all.Json, Json));
            }
            else
            {
                WriteStatuses(all.Value);
            }
            return 0;
        }));
        return command;
    }

    private static Command PauseCommand()
    {
        var replicas = new Option<int?>("--replicas") { Description = "Hold it at this count (within the policy's Min and Max) instead of where it is" };
        var command = new Command("pause", "Hold a service: the Scaler keeps deciding and recording, and changes nothing") { ScalerService, Reason, replicas };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            WriteControlled(await control.PauseAsync(parse.GetRequiredValue(ScalerService), parse.GetRequiredValue(Reason), parse.GetValue(replicas), ct),
                parse.GetValue(AsJson));
            return 0;
        }));
        return command;
    }

    private static Command ResumeCommand()
    {
        var command = new Command("resume", "End a pause: the Scaler acts on its policy again") { ScalerService, Reason };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            WriteControlled(await control.ResumeAsync(parse.GetRequiredValue(ScalerService), parse.GetRequiredValue(Reason), ct), parse.GetValue(AsJson));
            return 0;
        }));
        return command;
    }

    private static Command DryRunCommand()
    {
        var mode = new Argument<string>("on|off") { Description = "on: record what would be done and touch nothing; off: act again" };
        var command = new Command("dry-run", "Turn a service's dry run on or off") { ScalerService, mode, Reason };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            var enabled = parse.GetRequiredValue(mode) switch
            {
                "on" => true,
                "off" => false,
                var other => throw new UsageException($"dry-run takes on or off, not '{other}'."),
            };
            using var control = new ControlPlane(settings);
            WriteControlled(await control.DryRunAsync(parse.GetRequiredValue(ScalerService), enabled, parse.GetRequiredValue(Reason), ct),
                parse.GetValue(AsJson));
            return 0;
        }));
        return command;
    }

    /// <summary>What a control left the service in, as the Scaler reports it once the control is in its record.</summary>
    private static void WriteControlled(Answer<ServiceStatus> status, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(status.Json, Json));
        }
        else
        {
            AnsiConsole.WriteLine(ControlSummary(status.Value));
        }
    }

    /// <summary>One line: the state the controls are in, who set them and why, and what Docker has against what is wanted.</summary>
    private static string ControlSummary(ServiceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var controls = status.Controls;
        var state = (controls.Paused, controls.DryRun) switch
        {
            (true, true) => "paused and in dry run",
            (true, false) => "paused",
            (false, true) => "in dry run",
            _ => controls.By is null ? "acting on its policy" : "resumed",
        };
        var by = controls.By is null
            ? controls.Paused || controls.DryRun ? " by its policy" : ""
            : $" by {controls.By}" + (controls.Reason is null ? "" : $" ({controls.Reason})");
        var at = controls is { Paused: true, PausedAt: { } count } ? $" at {count} replicas" : "";
        return $"{status.Service} {state}{by}{at}; Docker has {Count(status.Current)}, the controller wants {Count(status.Desired)}.";
    }

    private static void WriteStatuses(IReadOnlyList<ServiceStatus> statuses)
    {
        if (statuses.Count == 0)
        {
            AnsiConsole.WriteLine("The Scaler's policy names no services.");
            return;
        }
        var table = new Table().AddColumns("Service", "Replicas", "Outcome / reason", "Alerts firing", "Metrics", "Windows open", "Controls",
            "Clocks", "Docker");
        foreach (var s in statuses)
        {
            table.AddRow(Markup.Escape(s.Service), Markup.Escape(Replicas(s)), Markup.Escape(OutcomeOf(s)), Markup.Escape(Alerts(s.Alerts)),
                Markup.Escape(Lines(s.Metrics.Select(Metric))), Markup.Escape(Lines(s.Windows.Select(Window))), Markup.Escape(Controls(s.Controls)),
                Markup.Escape(Lines(Clocks(s.Clocks))), Markup.Escape(s.Docker.Up ? "up" : $"down: {s.Docker.Error}"));
        }
        AnsiConsole.Write(table);
        // One replica answered for every row: which one, and whether what it says is the leader's view.
        AnsiConsole.WriteLine($"{statuses.Count} service(s); answered by {AnsweredBy(statuses[0].Replica)}.");
    }

    private static void WriteStatus(ServiceStatus s)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => grid.AddRow($"[bold]{name}[/]", Markup.Escape(value));
        Row("Replicas", $"{Count(s.Current)} in Docker, {Count(s.Desired)} wanted");
        Row("Bounds", $"{s.MinInForce} to {s.MaxInForce} now (policy {s.Min} to {s.Max})");
        Row("Outcome", s.Outcome ?? "steady: nothing to change");
        Row("Reason", s.Reason);
        Row("Request pending", s.RequestPending ? "yes: an operator's request waits for the leader" : "no");
        Row("Alerts", Lines(s.Alerts.Select(a =>
            $"{a.Rule} ({a.Direction}) {a.AlertId}: since {Time(a.Since)}, last seen {Time(a.LastSeen)}{(a.Stale ? ", stale" : "")}")));
        Row("Metrics", Lines(s.Metrics.Select(m =>
            $"{Metric(m)}{(m.At is { } at ? $" at {Time(at)}" : "")}{(m.SourceHealthy ? "" : ", source failing")}: {m.Query}")));
        Row("Windows", Lines(s.Windows.Select(Window)));
        Row("Controls", Lines([
            s.Controls.Paused ? Controls(s.Controls with { DryRun = false }) : $"not paused{(s.Controls.By is { } by ? $" (resumed by {by})" : "")}",
            .. s.Controls.At is { } set ? [$"  at {Time(set)}{(s.Controls.Reason is { } reason ? $": {reason}" : "")}"] : Array.Empty<string>(),
            s.Controls.DryRun ? Controls(s.Controls with { Paused = false }) : $"not in dry run{(s.Controls.DryRunBy is { } dry ? $" (turned off by {dry})" : "")}",
            .. s.Controls.DryRunAt is { } dryAt ? [$"  at {Time(dryAt)}{(s.Controls.DryRunReason is { } why ? $": {why}" : "")}"] : Array.Empty<string>(),
        ]));
        Row("Clocks", Lines(Clocks(s.Clocks)));
        Row("Last decision", s.LastDecision is { } d
            ? $"{Time(d.At)} {OutcomeOf(d)} {d.From} -> {d.To}: {d.Reason} (trigger {d.Trigger}, rule {d.Code})"
            : "-");
        Row("Docker", s.Docker.Up ? $"up{(s.Docker.ObservedAt is { } seen ? $", read at {Time(seen)}" : "")}" : $"down: {s.Docker.Error}");
        Row("Answered by", AnsweredBy(s.Replica));
        AnsiConsole.Write(new Panel(grid).Header(Markup.Escape(s.Service)));
    }

    private static string Replicas(ServiceStatus s) => s.Current == s.Desired ? Count(s.Current) : $"{Count(s.Current)} -> {Count(s.Desired)}";

    private static string OutcomeOf(ServiceStatus s) =>
        $"{s.Outcome ?? "steady"}: {s.Reason}{(s.RequestPending ? " (an operator's request is pending)" : "")}";

    private static string Alerts(IReadOnlyList<AlertStatus> alerts)
    {
        var firing = alerts.Where(a => !a.Stale).ToList();
        var stale = alerts.Count - firing.Count;
        var text = firing.Count == 0 ? "-" : $"{firing.Count}: {string.Join(", ", firing.Select(a => $"{a.Rule} ({a.Direction})").Distinct())}";
        return stale == 0 ? text : $"{text}; {stale} stale";
    }

    /// <summary>A metric's reading against its target and what it asks for, or why there is no reading.</summary>
    private static string Metric(MetricStatus m) =>
        m.Error is not null
            ? $"{m.Name}: {m.Error} ({m.ConsecutiveFailures} failure(s) in a row)"
            : $"{m.Name} {Number(m.Value)}/{Number(m.Target)}{(m.PerReplica ? " per replica" : "")}" +
              (m.Recommendation is { } wants ? $" -> {wants}" : "");

    private static string Window(WindowStatus w)
    {
        var bounds = new[] { w.Min is { } min ? $"min {min}" : null, w.Max is { } max ? $"max {max}" : null }.OfType<string>().ToList();
        return $"{w.Name}{(bounds.Count > 0 ? $" ({string.Join(", ", bounds)})" : "")} until {Time(w.Until)}";
    }

    /// <summary>Each control with who set it: a pause and a dry run may come from two people.</summary>
    private static string Controls(ControlStatus c)
    {
        var held = new List<string>();
        if (c.Paused)
        {
            held.Add($"{(c.PausedAt is { } count ? $"paused at {count}" : "paused")} by {c.By ?? "the policy"}");
        }
        if (c.DryRun)
        {
            held.Add($"dry run by {c.DryRunBy ?? "the policy"}");
        }
        return held.Count == 0 ? "-" : string.Join(", ", held);
    }

    private static IEnumerable<string> Clocks(ClockStatus clocks)
    {
        if (clocks.CooldownUpEndsAt is { } up)
        {
            yield return $"cooldown up until {Time(up)}";
        }
        if (clocks.CooldownDownEndsAt is { } down)
        {
            yield return $"cooldown down until {Time(down)}";
        }
        if (clocks.StabilizationEndsAt is { } stable)
        {
            yield return $"stabilization until {Time(stable)}";
        }
    }

    private static string AnsweredBy(ReplicaStatus replica) =>
        (replica.Leader ? $"{replica.Instance}, the leader" : $"{replica.Instance}, a standby (leader: {replica.LeaderInstance ?? "none known"})") +
        (replica.CaughtUp ? "" : ", still reading the record");

    private static string Lines(IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        return text.Length > 0 ? text : "-";
    }

    private static string Count(int? replicas) => replicas?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";

    // --- scale and the decision record -------------------------------------------------------------

    private static Command ScaleCommand()
    {
        var replicas = new Argument<string>("replicas") { Description = "A replica count, or +N / -N" };
        var wait = new Option<int>("--wait") { Description = $"Seconds the Scaler may take to record the decision (0 to {MaxWaitSeconds})", DefaultValueFactory = _ => 30 };
        var command = new Command("scale", "Ask the Scaler to scale a service: it applies its policy (bounds, pause) and records the decision")
        {
            ScalerService, replicas, Reason, wait,
        };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            var (count, delta) = ParseReplicas(parse.GetRequiredValue(replicas));
            var seconds = parse.GetValue(wait);
            if (seconds is < 0 or > MaxWaitSeconds)
            {
                throw new UsageException($"--wait must be between 0 and {MaxWaitSeconds} seconds, not {seconds}.");
            }
            var service = parse.GetRequiredValue(ScalerService);
            var json = parse.GetValue(AsJson);
            using var control = new ControlPlane(settings);
            var answer = await control.ScaleAsync(service, count, delta, parse.GetRequiredValue(Reason), seconds, ct);
            if (answer.Requested is { } requested)
            {
                if (json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(requested.Json, JsonLine));
                }
                throw new OpsctlException($"requested ({requested.Value.RequestId}), but no decision was recorded within {seconds} s; " +
                    $"'opsctl decisions --service {service}' shows it once it is.");
            }
            var decision = answer.Decision ?? throw new OpsctlException("the Scaler answered neither a decision nor a request.");
            WriteDecisions([decision], json);
            // Waiting: the change is taken and waits for Docker to answer; the Scaler applies it then.
            return decision.Value.Outcome is ScaleOutcome.Applied or ScaleOutcome.DryRun or ScaleOutcome.Duplicate or ScaleOutcome.Waiting ? 0 : 1;
        }));
        return command;
    }

    private static Command DecisionsCommand()
    {
        var service = new Option<string?>("--service") { Description = "Only this service" };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome (Applied, Cooldown, AtMaximum, …)" };
        var limit = new Option<int?>("--limit") { Description = $"The newest N (1 to {MaxPage}; default {DefaultPage})" };
        var everyPage = new Option<bool>("--all") { Description = "Every decision, page after page" };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new decisions until Ctrl+C" };
        var since = new Option<string?>("--since") { Description = "Only decisions at or after this time (ISO 8601, or 30m / 2h / 1d ago)" };
        var command = new Command("decisions", "The Scaler's decision record, newest first") { service, since, outcome, limit, everyPage, follow };
        command.SetAction(Guarded(async (parse, settings, ct) =>
        {
            var json = parse.GetValue(AsJson);
            var all = parse.GetValue(everyPage);
            var size = parse.GetValue(limit);
            if (all && size is not null)
            {
                throw new UsageException("--all reads every decision and --limit the newest N: say one.");
            }
            if (size is < 1 or > MaxPage)
            {
                throw new UsageException($"--limit must be between 1 and {MaxPage}, not {size}.");
            }
            var from = ParseTime(parse.GetValue(since), "--since");
            var filter = new DecisionFilter(parse.GetValue(service), from, ParseOutcome(parse.GetValue(outcome)), all ? MaxPage : size ?? DefaultPage);
            using var control = new ControlPlane(settings);
            var page = await control.DecisionsAsync(filter, all, ct);
            WriteDecisions(page.Decisions, json);
            if (page.More && !json)
            {
                AnsiConsole.WriteLine($"The newest {page.Decisions.Count}; --all for every one.");
            }
            if (!parse.GetValue(follow))
            {
                return 0;
            }
            var seen = page.Decisions.Select(d => d.Value.DecisionId).ToHashSet();
            var newest = page.Decisions.Count > 0 ? page.Decisions.Max(d => d.Value.At) : from ?? DateTimeOffset.UtcNow;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return 0;
                }
                // Every page since a little before the newest seen (seen ones skipped by id): a burst within a second is not
                // cut at a page, and a change carries the time it was decided but is recorded once Docker took it, later.
                var fresh = (await control.DecisionsAsync(filter with { Since = newest - Lookback, Limit = MaxPage }, allPages: true, ct)).Decisions
                    .Where(d => seen.Add(d.Value.DecisionId)).Reverse().ToList();
                if (fresh.Count > 0)
                {
                    WriteDecisions(fresh, json);
                    newest = fresh.Max(d => d.Value.At);
                }
            }
            return 0;
        }));
        return command;
    }

    /// <summary>A table, or with <c>--json</c> one object per line as the Scaler wrote it, so <c>--follow</c> can feed another tool.</summary>
    private static void WriteDecisions(IReadOnlyList<Answer<RecordedDecision>> decisions, bool json)
    {
        if (json)
        {
            foreach (var decision in decisions)
            {
                Console.WriteLine(JsonSerializer.Serialize(decision.Json, JsonLine));
            }
            return;
        }
        var table = new Table().AddColumns("At", "Service", "From", "To", "Outcome", "Trigger", "Reason");
        foreach (var d in decisions.Select(d => d.Value))
        {
            table.AddRow(Time(d.At), Markup.Escape(d.Service), d.From.ToString(CultureInfo.InvariantCulture), d.To.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(OutcomeOf(d)), Markup.Escape(d.Trigger), Markup.Escape(d.Reason));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>The outcome, and how often the same decision was reached again since (counted, not stored).</summary>
    private static string OutcomeOf(RecordedDecision d) =>
        d.Repeats > 0 ? $"{d.Outcome} x {d.Repeats.ToString(CultureInfo.InvariantCulture)}" : d.Outcome.ToString();

    private static ScaleOutcome? ParseOutcome(string? text) =>
        text is null ? null
        : Enum.TryParse<ScaleOutcome>(text, ignoreCase: true, out var outcome) && Enum.IsDefined(outcome) && !char.IsDigit(text[0]) ? outcome
        : throw new UsageException($"--outcome must be one of {string.Join(", ", Enum.GetNames<ScaleOutcome>())}, not '{text}'.");

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

    [GeneratedRegex("^([+-]?)([0-9]{1,4})$")]
    private static partial Regex ReplicasPattern();
}
