using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PretixOps.Shared;
using PretixOps.Snmp;
using PretixOps.SnmpPoller.Polling;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>
/// The poller against hostile agents on real UDP sockets, through the real client: every poll ends as a report
/// (never an exception), within MaxPollDuration, and the client is still good for the next agent.
/// </summary>
public sealed class MaliciousAgentTests : IAsyncDisposable
{
    private static readonly SnmpPollerOptions Settings = new()
    {
        Timeout = TimeSpan.FromMilliseconds(200),
        Retries = 0,
        MaxPollDuration = TimeSpan.FromSeconds(3),
    };

    private readonly SnmpClient _client = new();

    private HostPoller Poller() =>
        new(_client, new SnmpCredentials(Options.Create(Settings)), Options.Create(Settings), NullLogger<HostPoller>.Instance);

    public static TheoryData<string> Malices => [.. Enum.GetNames<Malice>()];

    [Theory]
    [MemberData(nameof(Malices))]
    public async Task A_hostile_agent_makes_a_failed_poll_that_ends_in_bounded_time_never_a_crash(string kind)
    {
        var malice = Enum.Parse<Malice>(kind);
        await using var agent = new MaliciousAgent(malice);
        var report = await Poller().PollAsync("evil", "127.0.0.1", agent.Port, SnmpPollerOptions.DefaultAuth, CancellationToken.None);

        if (malice != Malice.LoopingWalk)
        {
            // A walk that steps back is ended where it stepped back (what it had is real), every other malice fails the poll.
            Assert.False(report.Up, $"{malice}: {report.Error}");
            Assert.NotNull(report.ErrorReason);
            Assert.Empty(report.Samples);
        }
        // The bound is the poller's own setting, not a test's patience: a walk that never ends is cut by the walk limit or the deadline.
        Assert.True(report.DurationSeconds < Settings.MaxPollDuration.TotalSeconds + 0.5,
            $"{malice}: {report.DurationSeconds:N2} s, {report.ErrorReason}: {report.Error}");
        Assert.True(agent.Received > 0);
    }

    [Fact]
    public async Task After_every_kind_of_malice_at_once_the_same_client_still_polls_a_good_agent()
    {
        var agents = Enum.GetValues<Malice>().Select((m, i) => new MaliciousAgent(m, seed: i)).ToList();
        try
        {
            var reports = await Task.WhenAll(agents.Select(a =>
                Poller().PollAsync(a.Malice.ToString(), "127.0.0.1", a.Port, SnmpPollerOptions.DefaultAuth, CancellationToken.None)));
            Assert.All(reports, r => Assert.True(r.Host == nameof(Malice.LoopingWalk) || !r.Up, r.Host));
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }

        // The flood's late copies and the garbage are gone through the same socket: a plain GET still gets its answer.
        await using var good = new MibAgent();
        var values = await _client.GetAsync(new SnmpTarget(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, good.Port))
        {
            Timeout = TimeSpan.FromSeconds(2),
        }, [Oid.Parse("1.3.6.1.2.1.1.3.0")]);
        Assert.Equal(SnmpValue.Integer(42), Assert.Single(values).Value);
    }

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();

    /// <summary>An agent that answers each GET honestly with 42.</summary>
    private sealed class MibAgent : IAsyncDisposable
    {
        private readonly System.Net.Sockets.UdpClient _socket = new(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public MibAgent() => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var received = await _socket.ReceiveAsync(_stop.Token);
                    var (_, _, pdu) = CommunityMessage.Decode(received.Buffer);
                    await _socket.SendAsync(CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, pdu.RequestId, 0, 0,
                        [.. pdu.Varbinds.Select(v => new Varbind(v.Oid, SnmpValue.Integer(42)))])), received.RemoteEndPoint);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                    return;
                }
            }
        });

        public int Port => ((System.Net.IPEndPoint)_socket.Client.LocalEndPoint!).Port;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            await _loop;
            _stop.Dispose();
        }
    }
}
