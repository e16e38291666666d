namespace PretixOps.Snmp.Tests;

/// <summary>The transport: request ids, many in flight, retries, timeouts, and datagrams that must be dropped.</summary>
public sealed class SnmpClientTests
{
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");

    [Fact]
    public async Task Answers_in_any_order_reach_the_request_they_answer()
    {
        var held = new List<Pdu>();
        await using var agent = new FakeAgent(request =>
        {
            // Hold 50 requests, then answer them all, newest first, each with its own arc as the value.
            lock (held)
            {
                held.Add(request);
                return held.Count < 50 ? [] : held.AsEnumerable().Reverse()
                    .Select(r => FakeAgent.Echo(r, SnmpValue.Integer((int)r.Varbinds[0].Oid[^1]))).ToList();
            }
        });
        await using var client = new SnmpClient();
        var requests = Enumerable.Range(1, 50)
            .Select(i => client.GetAsync(agent.Target(timeoutSeconds: 30), [Oid.Parse($"1.3.6.1.4.1.99.{i}")]))
            .ToArray();
        var answers = await Task.WhenAll(requests);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(i + 1, Assert.Single(answers[i]).Value.AsInt64());
        }
    }

    [Fact]
    public async Task Garbage_and_truncated_datagrams_are_dropped_and_counted_and_the_real_answer_still_lands()
    {
        var random = new Random(7);
        await using var agent = new FakeAgent(request =>
        {
            var real = FakeAgent.Echo(request, SnmpValue.TimeTicks(4242));
            var junk = new List<byte[]>();
            for (var i = 0; i < 10; i++)
            {
                var noise = new byte[random.Next(0, 200)];
                random.NextBytes(noise);
                junk.Add(noise);
                junk.Add(real[..random.Next(0, real.Length)]);
            }
            return [.. junk, real];
        });
        var dropped = new List<string>();
        await using var client = new SnmpClient(reason => { lock (dropped) { dropped.Add(reason); } });
        var answer = await client.GetAsync(agent.Target(), [SysUpTime]);
        Assert.Equal(4242UL, Assert.Single(answer).Value.AsUInt64());
        Assert.Equal(20, dropped.Count);
        Assert.All(dropped, reason => Assert.True(reason is "malformed" or "unexpected", reason));
    }

    [Fact]
    public async Task A_lost_datagram_is_sent_again_and_a_silent_agent_times_out_after_every_retry()
    {
        var calls = 0;
        await using var agent = new FakeAgent(request =>
            Interlocked.Increment(ref calls) == 1 ? [] : [FakeAgent.Echo(request, SnmpValue.Integer(1))]);
        await using var client = new SnmpClient();
        var answer = await client.GetAsync(agent.Target(retries: 1, timeoutSeconds: 0.3), [SysUpTime]);
        Assert.Equal(1, Assert.Single(answer).Value.AsInt64());
        Assert.Equal(2, agent.Received);

        agent.Answer = _ => [];
        var error = await Assert.ThrowsAsync<SnmpTimeoutException>(() => client.GetAsync(agent.Target(retries: 2, timeoutSeconds: 0.2), [SysUpTime]));
        Assert.Equal("timeout", error.Reason);
        Assert.Contains("3 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2 + 3, agent.Received);
    }

    [Fact]
    public async Task An_answer_from_another_address_or_with_another_community_is_not_believed()
    {
        await using var impostor = new FakeAgent(_ => []);
        await using var agent = new FakeAgent(_ => []);
        var dropped = new List<string>();
        await using var client = new SnmpClient(reason => { lock (dropped) { dropped.Add(reason); } });
        agent.Answer = request =>
        {
            // The impostor's socket sends a perfect answer to our client: wrong source. Then a wrong community.
            var wrongCommunity = CommunityMessage.Encode(SnmpVersion.V2c, "private"u8,
                new Pdu(PduType.Response, request.RequestId, 0, 0, [new Varbind(SysUpTime, SnmpValue.Integer(666))]));
            return [wrongCommunity];
        };
        await Assert.ThrowsAsync<SnmpTimeoutException>(() => client.GetAsync(agent.Target(timeoutSeconds: 0.5), [SysUpTime]));
        Assert.Equal(["authentication"], dropped);
    }

    [Fact]
    public async Task A_failing_drop_counter_does_not_stop_the_receive_loop_and_dispose_ends_waiting_requests()
    {
        await using var agent = new FakeAgent(request => [[0x30, 0x00], FakeAgent.Echo(request, SnmpValue.Integer(3))]);
        var client = new SnmpClient(_ => throw new InvalidOperationException("counter broken"));
        Assert.Equal(3, Assert.Single(await client.GetAsync(agent.Target(), [SysUpTime])).Value.AsInt64());
        Assert.Equal(3, Assert.Single(await client.GetAsync(agent.Target(), [SysUpTime])).Value.AsInt64());

        agent.Answer = _ => [];
        var waiting = client.GetAsync(agent.Target(timeoutSeconds: 60), [SysUpTime]);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task An_error_status_is_an_error_naming_it()
    {
        await using var agent = new FakeAgent(request =>
            [CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, request.RequestId, 2, 1, request.Varbinds))]);
        await using var client = new SnmpClient();
        var error = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => client.GetAsync(agent.Target(), [SysUpTime]));
        Assert.Equal(SnmpErrorStatus.NoSuchName, error.Status);
        Assert.Equal("error_status", error.Reason);
    }

    [Fact]
    public async Task Getbulk_carries_non_repeaters_and_max_repetitions()
    {
        Pdu? seen = null;
        await using var agent = new FakeAgent(request =>
        {
            seen = request;
            return [FakeAgent.Echo(request, SnmpValue.Integer(0))];
        });
        await using var client = new SnmpClient();
        await client.GetBulkAsync(agent.Target(), 1, 25, [SysUpTime, Oid.Parse("1.3.6.1.2.1.2.2.1.10")]);
        Assert.Equal(PduType.GetBulkRequest, seen!.Type);
        Assert.Equal(1, seen.ErrorStatus);
        Assert.Equal(25, seen.ErrorIndex);
    }
}
