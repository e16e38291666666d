using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace PretixOps.Benchmarks;

/// <summary>
/// `make bench`'s last step: the reports the benchmarks of this run wrote to .local/bench/, in one document with the
/// machine and the date, and a chart of every ratio against its peer or floor (ratios.svg), where a picture reads
/// better than five tables.
/// </summary>
internal static partial class BenchReport
{
    private static readonly string[] Parts = ["registration", "alerts", "scaler", "scaler-signals", "scaler-cost", "scaler-journal", "replay", "snmp"];

    public static async Task<int> RunAsync()
    {
        var folder = Path.Combine(Machine.Root, ".local", "bench");
        var found = Parts.Where(p => File.Exists(Path.Combine(folder, p + ".md"))).ToList();
        if (found.Count == 0)
        {
            await Console.Error.WriteLineAsync($"no benchmark reports in {folder}: run the benchmarks first (make bench)");
            return 1;
        }

        var report = new StringBuilder();
        report.AppendLine("# PretixOps benchmarks");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Dns.GetHostName()}: {Environment.ProcessorCount} cores, " +
            $"{Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}.");
        report.AppendLine();
        report.AppendLine("Each figure stands beside its peer or floor measured in the same run, on the same machine; the ratio is ours over " +
            "theirs (for rates, above 100 % is better; for times and sizes, below 1x is better). The machine is shared and noisy: " +
            "read ratios, not absolute figures.");
        report.AppendLine();
        report.AppendLine("![Every ratio against its peer](ratios.svg)");
        report.AppendLine();

        var bars = new List<(string Label, double Ratio, bool HigherIsBetter)>();
        foreach (var part in found)
        {
            var text = await File.ReadAllTextAsync(Path.Combine(folder, part + ".md"));
            var stale = File.GetLastWriteTimeUtc(Path.Combine(folder, part + ".md")) < DateTime.UtcNow.AddHours(-12);
            report.AppendLine(text.TrimEnd());
            if (stale)
            {
                report.AppendLine();
                report.AppendLine(CultureInfo.InvariantCulture, $"(This part is from an earlier run: {File.GetLastWriteTimeUtc(Path.Combine(folder, part + ".md")):yyyy-MM-dd HH:mm} UTC.)");
            }
            report.AppendLine();
            bars.AddRange(Ratios(part, text));
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), report.ToString());
        await File.WriteAllTextAsync(Path.Combine(folder, "ratios.svg"), Chart(bars));
        Console.WriteLine($"The report: {Path.Combine(folder, "report.md")} (chart: ratios.svg)");
        return 0;
    }

    /// <summary>Every table row whose last cell is a ratio: "72 %" (a rate: higher is better) or "3.1x" (a time or size).</summary>
    internal static IEnumerable<(string Label, double Ratio, bool HigherIsBetter)> Ratios(string part, string markdown)
    {
        var ratioColumn = false;
        foreach (var line in markdown.Split('\n'))
        {
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells[0] is "measure")
            {
                // Only a table whose last column is the ratio has ratios (a "difference" column is not one).
                ratioColumn = cells[^1] == "ratio";
                continue;
            }
            if (!ratioColumn || cells.Length < 4 || cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }
            var ratio = cells[^1].Replace(",", "", StringComparison.Ordinal);
            if (Percent().Match(ratio) is { Success: true } percent)
            {
                var value = double.Parse(percent.Groups[1].Value, CultureInfo.InvariantCulture) / 100;
                // A percentage of a time, a cost or a size (CPU per scrape, memory) is better below 100 %.
                var higherIsBetter = !LowerIsBetter().IsMatch(cells[0]);
                yield return ($"{part}: {cells[0]}", value, higherIsBetter);
            }
            else if (Times().Match(ratio) is { Success: true } times)
            {
                yield return ($"{part}: {cells[0]}", double.Parse(times.Groups[1].Value, CultureInfo.InvariantCulture), false);
            }
        }
    }

    /// <summary>A horizontal bar per ratio on a log scale, parity (1.0) marked; green where ours is the better side.</summary>
    internal static string Chart(IReadOnlyList<(string Label, double Ratio, bool HigherIsBetter)> bars)
    {
        const int labelWidth = 430, plotWidth = 420, rowHeight = 22, top = 40;
        var height = top + rowHeight * bars.Count + 40;
        // Log scale from 1/100 to 100: every ratio fits, and 2x better and 2x worse are the same length.
        double X(double ratio) => labelWidth + plotWidth * (Math.Log10(Math.Clamp(ratio, 0.01, 100)) + 2) / 4;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="{labelWidth + plotWidth + 80}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"""<text x="10" y="20" font-size="14" font-weight="bold">PretixOps against its peers, same run (ratio ours/theirs, log scale)</text>""");
        foreach (var tick in new[] { 0.01, 0.1, 1, 10, 100 })
        {
            var x = X(tick);
            svg.AppendLine(CultureInfo.InvariantCulture,
                $"""<line x1="{x:F1}" y1="{top - 5}" x2="{x:F1}" y2="{height - 30}" stroke="{(tick == 1 ? "black" : "#ddd")}"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture,
                $"""<text x="{x:F1}" y="{height - 15}" text-anchor="middle">{tick.ToString("0.##", CultureInfo.InvariantCulture)}x</text>""");
        }
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, ratio, higherIsBetter) = bars[i];
            var y = top + i * rowHeight;
            var better = higherIsBetter ? ratio >= 1 : ratio <= 1;
            var (from, to) = (Math.Min(X(1), X(ratio)), Math.Max(X(1), X(ratio)));
            svg.AppendLine(CultureInfo.InvariantCulture,
                $"""<text x="{labelWidth - 8}" y="{y + 15}" text-anchor="end">{WebUtility.HtmlEncode(label)}</text>""");
            svg.AppendLine(CultureInfo.InvariantCulture,
                $"""<rect x="{from:F1}" y="{y + 4}" width="{Math.Max(1, to - from):F1}" height="{rowHeight - 8}" fill="{(better ? "#2e7d32" : "#c62828")}"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture,
                $"""<text x="{to + 4:F1}" y="{y + 15}">{ratio.ToString("0.##", CultureInfo.InvariantCulture)}x</text>""");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Memory()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var kib = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kib == 0 ? "unknown" : $"{kib / 1024.0 / 1024:N0} GiB";
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s?%$")]
    private static partial Regex Percent();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)x$")]
    private static partial Regex Times();

    [GeneratedRegex(@"CPU|memory|requests per scrape|latency|\(ms\)", RegexOptions.IgnoreCase)]
    private static partial Regex LowerIsBetter();
}
