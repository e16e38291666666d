using System.CommandLine;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl decisions</c>: the Scaler's decision record, newest first, a page or all of it, or followed.</summary>
internal sealed class DecisionsCommand : OpsctlCommand
{
    private const int DefaultPage = 100;
    private const int MaxPage = 1000;

    /// <summary>How far back --follow asks again: longer than a change takes from its decision to Docker's answer.</summary>
    private static readonly TimeSpan Lookback = TimeSpan.FromMinutes(5);

    private readonly Option<string?> _service = new("--service") { Description = "Only this service" };
    private readonly Option<string?> _outcome = new("--outcome") { Description = "Only this outcome (Applied, Cooldown, AtMaximum, …)" };
    private readonly Option<int?> _limit = new("--limit") { Description = $"The newest N (1 to {MaxPage}; default {DefaultPage})" };
    private readonly Option<bool> _everyPage = new("--all") { Description = "Every decision, page after page" };
    private readonly Option<bool> _follow = new("--follow") { Description = "Keep printing new decisions until Ctrl+C" };
    private readonly Option<string?> _since = new("--since") { Description = "Only decisions at or after this time (ISO 8601, or 30m / 2h / 1d ago)" };

    public DecisionsCommand() : base("decisions", "The Scaler's decision record, newest first")
    {
        foreach (var option in (Option[])[_service, _since, _outcome, _limit, _everyPage, _follow])
        {
            Options.Add(option);
        }
        SetWork(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, OpsctlSettings settings, CancellationToken ct)
    {
        var json = Json(parse);
        var all = parse.GetValue(_everyPage);
        var size = parse.GetValue(_limit);
        if (all && size is not null)
        {
            throw new UsageException("--all reads every decision and --limit the newest N: say one.");
        }
        if (size is < 1 or > MaxPage)
        {
            throw new UsageException($"--limit must be between 1 and {MaxPage}, not {size}.");
        }
        var from = OpsctlCommands.ParseTime(parse.GetValue(_since), "--since");
        var filter = new DecisionFilter(parse.GetValue(_service), from, ParseOutcome(parse.GetValue(_outcome)), all ? MaxPage : size ?? DefaultPage);
        using var control = new ControlPlane(settings);
        var page = await control.DecisionsAsync(filter, all, ct);
        DecisionTable.Write(page.Decisions, json);
        if (page.More && !json)
        {
            AnsiConsole.WriteLine($"The newest {page.Decisions.Count}; --all for every one.");
        }
        if (!parse.GetValue(_follow))
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
                DecisionTable.Write(fresh, json);
                newest = fresh.Max(d => d.Value.At);
            }
        }
        return 0;
    }

    private static ScaleOutcome? ParseOutcome(string? text) =>
        text is null ? null
        : Enum.TryParse<ScaleOutcome>(text, ignoreCase: true, out var outcome) && Enum.IsDefined(outcome) && !char.IsDigit(text[0]) ? outcome
        : throw new UsageException($"--outcome must be one of {string.Join(", ", Enum.GetNames<ScaleOutcome>())}, not '{text}'.");
}
