using PretixOps.Shared;

namespace PretixOps.Snmp.Tests;

/// <summary>Walks end where they should, also with agents that misbehave.</summary>
public sealed class WalkTests
{
    private static readonly SnmpTarget Target = new(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 161)) { MaxRepetitions = 3 };

    private static Varbind V(string oid, int value) => new(Oid.Parse(oid), SnmpValue.Integer(value));

    private static readonly Varbind[] Mib =
    [
        V("1.3.6.1.2.1.1.3.0", 1),
        V("1.3.6.1.2.1.25.2.3.1.4.1", 1024), V("1.3.6.1.2.1.25.2.3.1.4.3", 1024), V("1.3.6.1.2.1.25.2.3.1.4.36", 4096),
        V("1.3.6.1.2.1.25.2.3.1.4.37", 4096), V("1.3.6.1.2.1.25.2.3.1.4.38", 4096),
        V("1.3.6.1.2.1.25.2.3.1.5.1", 100), V("1.3.6.1.2.1.25.2.3.1.5.3", 300), V("1.3.6.1.2.1.25.2.3.1.5.36", 3600),
        V("1.3.6.1.2.1.25.2.3.1.5.37", 3700), V("1.3.6.1.2.1.25.2.3.1.5.38", 3800),
        V("1.3.6.1.2.1.25.3.3.1.2.196608", 12),
    ];

    [Fact]
    public async Task Columns_are_walked_side_by_side_and_each_stops_at_the_end_of_its_subtree()
    {
        var client = new MibClient(Mib);
        var found = await client.WalkAsync(Target, [Oid.Parse("1.3.6.1.2.1.25.2.3.1.4"), Oid.Parse("1.3.6.1.2.1.25.2.3.1.5")]);
        Assert.Equal(Mib[1..11].Select(v => v.ToString()), found.Select(v => v.ToString()));
        // Five rows, three per request: two requests carry both columns.
        Assert.Equal(2, client.BulkRequests.Count);
        Assert.All(client.BulkRequests, oids => Assert.Equal(2, oids.Count));
    }

    [Fact]
    public async Task A_walk_past_the_end_of_the_mib_stops_on_endOfMibView()
    {
        var client = new MibClient(Mib);
        var found = await client.WalkAsync(Target, Oid.Parse("1.3.6.1.2.1.25.3"));
        Assert.Equal("1.3.6.1.2.1.25.3.3.1.2.196608 = 12", Assert.Single(found).ToString());
    }

    [Fact]
    public async Task A_missing_subtree_is_empty()
    {
        var client = new MibClient(Mib);
        Assert.Empty(await client.WalkAsync(Target, Oid.Parse("1.3.6.1.2.1.25.2.3.1.2")));
    }

    [Fact]
    public async Task Responses_cut_short_by_the_agent_still_walk_every_column_to_its_end()
    {
        var client = new MibClient(Mib) { Truncate = 1 };
        var found = await client.WalkAsync(Target, [Oid.Parse("1.3.6.1.2.1.25.2.3.1.4"), Oid.Parse("1.3.6.1.2.1.25.2.3.1.5")]);
        Assert.Equal(10, found.Count);
    }

    [Fact]
    public async Task An_agent_that_answers_the_same_oid_forever_does_not_loop_forever()
    {
        var client = new StuckClient();
        var found = await client.WalkAsync(Target, Oid.Parse("1.3.6.1.2.1.2.2.1.10"));
        Assert.Equal("1.3.6.1.2.1.2.2.1.10.1 = 5", Assert.Single(found).ToString());
        Assert.Equal(2, client.Requests);
    }

    [Fact]
    public async Task An_agent_that_invents_increasing_oids_forever_is_stopped_by_the_walk_limit()
    {
        var client = new EndlessClient();
        var error = await Assert.ThrowsAsync<SnmpException>(() => client.WalkAsync(Target, Oid.Parse("1.3.6.1.2.1.2.2.1.10")));
        Assert.Equal("walk_limit", error.Reason);
        Assert.Equal(SnmpWalk.MaxRequests, client.Requests);
    }

    /// <summary>Answers every GETBULK with one more row, for ever.</summary>
    private sealed class EndlessClient : BulkOnlyClient
    {
        protected override Task<IReadOnlyList<Varbind>> NextBulkAsync(IReadOnlyList<Oid> oids)
        {
            return Task.FromResult<IReadOnlyList<Varbind>>([new Varbind(Oid.Parse("1.3.6.1.2.1.2.2.1.10").Append((uint)Requests), SnmpValue.Integer(Requests))]);
        }
    }

    /// <summary>Answers every GETBULK with the same first row: the OID never increases.</summary>
    private sealed class StuckClient : BulkOnlyClient
    {
        protected override Task<IReadOnlyList<Varbind>> NextBulkAsync(IReadOnlyList<Oid> oids)
        {
            return Task.FromResult<IReadOnlyList<Varbind>>([V("1.3.6.1.2.1.2.2.1.10.1", 5)]);
        }
    }

    /// <summary>An agent a walk talks to: GETBULK only, counted.</summary>
    private abstract class BulkOnlyClient : ISnmpClient
    {
        public int Requests { get; private set; }

        public Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("a walk only sends GETBULK");

        public Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("a walk only sends GETBULK");

        public Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
            CancellationToken cancellationToken = default)
        {
            Requests++;
            return NextBulkAsync(oids);
        }

        protected abstract Task<IReadOnlyList<Varbind>> NextBulkAsync(IReadOnlyList<Oid> oids);
    }
}
