namespace PretixOps.Fuzz.Tests;

/// <summary>The campaign's generators alone, no servers: every case builds, and the same seed builds the same cases.</summary>
public sealed class GeneratorTests
{
    [Fact]
    public void Every_endpoint_and_queue_gets_cases_of_every_kind_and_a_seed_replays_them_exactly()
    {
        var first = Generate(7, 5_000);
        Assert.Equal(first, Generate(7, 5_000));
        Assert.NotEqual(first, Generate(8, 5_000));
        Assert.All(Mutator.Kinds, kind => Assert.Contains(first, c => c.Contains($"|{kind}|", StringComparison.Ordinal)));
        foreach (var kind in new[] { "header-injection", "slow-body", "content-type", "bad-credentials", "path-and-query" })
        {
            Assert.Contains(first, c => c.Contains($"|{kind}|", StringComparison.Ordinal));
        }
        Assert.Equal(15, first.Select(c => c.Split('|')[0]).Where(e => !e.StartsWith("bus ", StringComparison.Ordinal)).Distinct().Count());
        Assert.Contains(first, c => c.EndsWith("|_skipped", StringComparison.Ordinal));
    }

    private static List<string> Generate(int seed, int count)
    {
        var endpoints = Endpoints.All(new FuzzSecrets(), ["127.0.0.1:1161"]);
        var queues = BusCases.Queues("discovery-writer-x", "snmp-poller-x");
        var cases = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var random = new Random(HashCode.Combine(seed, i));
            if (i % 10 == 0)
            {
                var message = BusCases.Next(random, queues[random.Next(queues.Count)]);
                cases.Add($"bus {message.Queue}|{message.Kind}|{message.Body.Length}|{message.Expected}");
            }
            else
            {
                var request = HttpCases.Next(random, endpoints[random.Next(endpoints.Count)]);
                cases.Add($"{request.Endpoint}|{request.Kind}|{request.PathAndQuery}|{request.Body?.Length}");
            }
        }
        return cases;
    }
}
