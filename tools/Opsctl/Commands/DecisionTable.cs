using System.Globalization;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary>Decisions as <c>decisions</c>, <c>scale</c> and <c>status</c> print them.</summary>
internal static class DecisionTable
{
    /// <summary>A table, or with <c>--json</c> one object per line as the Scaler wrote it, so <c>--follow</c> can feed another tool.</summary>
    public static void Write(IReadOnlyList<Answer<RecordedDecision>> decisions, bool json)
    {
        if (json)
        {
            foreach (var decision in decisions)
            {
                Output.WriteJson(decision.Json, Output.JsonLine);
            }
            return;
        }
        var table = new Table().AddColumns("At", "Service", "From", "To", "Outcome", "Trigger", "Reason");
        foreach (var d in decisions.Select(d => d.Value))
        {
            table.AddRow(Output.Time(d.At), Markup.Escape(d.Service), d.From.ToString(CultureInfo.InvariantCulture), d.To.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(OutcomeOf(d)), Markup.Escape(d.Trigger), Markup.Escape(d.Reason));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>The outcome, and how often the same decision was reached again since (counted, not stored).</summary>
    public static string OutcomeOf(RecordedDecision d) =>
        d.Repeats > 0 ? $"{d.Outcome} x {d.Repeats.ToString(CultureInfo.InvariantCulture)}" : d.Outcome.ToString();
}
