using System.Globalization;
using PretixOps.TestSupport;
using Xunit.Abstractions;

namespace PretixOps.Fuzz.Tests;

/// <summary>
/// The fuzz campaign. In `make test` a seeded slice (FUZZ_CASES, 3,000 unless set; its summary in .local/fuzz/slice.md);
/// `make fuzz` runs 100,000 and has the summary written to .local/fuzz/summary.md (FUZZ_SUMMARY). The seed is in the
/// summary: FUZZ_SEED replays a run.
/// </summary>
public sealed class CampaignTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact]
    public async Task Hostile_inputs_get_no_5xx_crash_nothing_lost_and_no_secret_in_a_log()
    {
        var cases = Setting("FUZZ_CASES", 3_000);
        var seed = Setting("FUZZ_SEED", 20261202);
        await using var rig = await FuzzRig.StartAsync();
        await using var bus = await BusProbe.StartAsync();
        var campaign = new Campaign(rig, bus, seed);
        await campaign.RunAsync(cases);
        var report = campaign.Report;

        // Nothing lost: every legitimate registration in DiscoveryWriter's http_sd, every legitimate alert on the bus.
        var writer = rig.Services["DiscoveryWriter"];
        var sd = await FuzzRig.WhenAsync(() => writer.Http.GetStringAsync(new Uri("/v1/sd/fuzzlegit", UriKind.Relative)),
            text => Enumerable.Range(1, campaign.LegitCount).All(n => text.Contains($"\"fuzzlegit.{n}\"", StringComparison.Ordinal)));
        report.LegitRegistrations = Enumerable.Range(1, campaign.LegitCount).Count(n => sd.Contains($"\"fuzzlegit.{n}\"", StringComparison.Ordinal));
        await FuzzRig.WhenAsync(() => Task.FromResult(bus.FiredNames.Count),
            _ => Enumerable.Range(1, campaign.LegitCount).All(n => bus.FiredNames.ContainsKey(Campaign.LegitAlert(n))));
        report.LegitAlerts = Enumerable.Range(1, campaign.LegitCount).Count(n => bus.FiredNames.ContainsKey(Campaign.LegitAlert(n)));

        // Gone again, so no other DiscoveryWriter on the shared broker keeps the campaign's targets for their hour.
        await Parallel.ForAsync(1, campaign.LegitCount + 1, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, cancellationToken) =>
        {
            using var deleted = await rig.Services["Registration"].Http.DeleteAsync(new Uri($"/v1/instances/fuzzlegit.{n}", UriKind.Relative), cancellationToken);
        });

        // Every malformed message dead-lettered, with the reason.
        var expected = campaign.ExpectedDeadLetters;
        await FuzzRig.WhenAsync(async () =>
        {
            foreach (var queue in expected.Select(m => m.Queue + m.Expected).Distinct())
            {
                await bus.WatchAsync(queue);
            }
            return expected.Count(m => bus.DeadLetters.ContainsKey(m.MessageId));
        }, found => found == expected.Count);
        await bus.StopWatchingAsync(campaign.OwnQueues);
        report.DeadLettersExpected = expected.Count;
        report.DeadLettersFound = expected.Count(m => bus.DeadLetters.TryGetValue(m.MessageId, out var letter)
            && letter.Queue == m.Queue + m.Expected && !string.IsNullOrWhiteSpace(letter.Reason));

        foreach (var (name, service) in rig.Services)
        {
            Assert.False(service.HasExited, $"{name} crashed:\n{service}");
            report.Rss[name] = (report.Rss[name].Before, FuzzRig.Rss(service));
        }
        foreach (var agent in rig.Agents)
        {
            report.SnmpRequests[agent.Malice.ToString()] = agent.Received;
        }

        // Secrets: none of their values in any line any service wrote.
        var lines = rig.Services.Values.SelectMany(s => s.Output.Select(line => (s.Project, line))).ToList();
        report.LogLines = lines.Count;
        var leaks = lines.Where(l => rig.SecretValues.Any(secret => l.line.Contains(secret, StringComparison.Ordinal))).Take(5).ToList();

        var summary = report.ToString();
        output.WriteLine(summary);
        var file = Environment.GetEnvironmentVariable("FUZZ_SUMMARY") is { Length: > 0 } path ? path : RepositoryPaths.Combine(".local", "fuzz", "slice.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, summary);

        Assert.Empty(report.ServerErrors);
        Assert.Empty(leaks.Select(l => $"{l.Project}: {l.line}"));
        Assert.Equal(expected.Count, report.DeadLettersFound);
        Assert.Equal(campaign.LegitCount, report.LegitRegistrations);
        Assert.Equal(campaign.LegitCount, report.LegitAlerts);
        foreach (var (name, (before, after)) in report.Rss)
        {
            // Bounded: what a campaign leaves behind is garbage the next collection takes, not a heap that grows with the cases.
            Assert.True(after < before + 384L * 1024 * 1024, $"{name}: RSS {before / 1048576} MiB before, {after / 1048576} MiB after\n{summary}");
        }
    }
}
