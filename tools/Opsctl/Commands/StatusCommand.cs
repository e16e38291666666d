using System.CommandLine;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;
using Spectre.Console;
using static PretixOps.Opsctl.Commands.Output;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl status</c>: what the Scaler's controller sees and wants for each service, and why.</summary>
internal sealed class StatusCommand : OpsctlCommand
{
    private readonly Argument<string?> _service = new("service") { Description = "Only this service, in detail", Arity = ArgumentArity.ZeroOrOne };

    public StatusCommand() : base("status", "What the Scaler's controller sees and wants for each service, and why")
    {
        Arguments.Add(_service);
        SetWork(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            var json = Json(parse);
            if (parse.GetValue(_service) is { } name)
            {
                var one = await control.ServiceAsync(name, ct);
                if (json)
                {
                    WriteJson(one.Json);
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
                WriteJson(all.Json);
            }
            else
            {
                WriteStatuses(all.Value);
            }
            return 0;
        });
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
            ? $"{Time(d.At)} {DecisionTable.OutcomeOf(d)} {d.From} -> {d.To}: {d.Reason} (trigger {d.Trigger}, rule {d.Code})"
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
}
