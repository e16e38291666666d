using System.Net;
using System.Net.Sockets;
using PretixOps.Snmp;

namespace PretixOps.Shared;

/// <summary>What a <see cref="MaliciousAgent"/> does with each request.</summary>
internal enum Malice
{
    /// <summary>Random bytes, some of them shaped like the start of a message.</summary>
    Garbage,

    /// <summary>A real answer whose outer length claims more than the datagram holds.</summary>
    LengthBeyondDatagram,

    /// <summary>A real answer to another request id.</summary>
    WrongRequestId,

    /// <summary>Every GETBULK answered with OIDs that keep increasing inside the subtree: a walk that never ends by itself.</summary>
    EndlessWalk,

    /// <summary>Every GETBULK answered with OIDs before the one asked for: a walk that loops back.</summary>
    LoopingWalk,

    /// <summary>A real answer, sent from another port than the one asked.</summary>
    WrongAddress,

    /// <summary>A real answer, late: each reply waits until just before the poller's timeout.</summary>
    SlowDrip,

    /// <summary>Fifty copies of a real answer per request.</summary>
    Flood,
}

/// <summary>
/// A hostile SNMP v2c agent on a loopback UDP port, one kind of <see cref="Malice"/> each: what the poller must survive
/// with its work bounded (timeouts, walk limits, MaxPollDuration). The answers it does give carry real values, so a
/// poll that believed them would succeed: only the malice can make it fail.
/// </summary>
internal sealed class MaliciousAgent : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _other = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _random;
    private readonly Task _loop;
    private int _received;

    public MaliciousAgent(Malice malice, int seed = 1, TimeSpan? drip = null)
    {
        Malice = malice;
        Drip = drip ?? TimeSpan.FromMilliseconds(150);
        _random = new Random(seed);
        _loop = Task.Run(LoopAsync);
    }

    public Malice Malice { get; }

    /// <summary>How long <see cref="Malice.SlowDrip"/> waits before each answer.</summary>
    public TimeSpan Drip { get; }

    public int Port => ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;

    /// <summary>Requests received so far.</summary>
    public int Received => Volatile.Read(ref _received);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _received);
            Pdu request;
            try
            {
                (_, _, request) = CommunityMessage.Decode(received.Buffer);
            }
            catch (SnmpDecodeException)
            {
                continue;
            }
            try
            {
                await AnswerAsync(request, received.RemoteEndPoint);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    private async Task AnswerAsync(Pdu request, IPEndPoint caller)
    {
        switch (Malice)
        {
            case Malice.Garbage:
                var garbage = new byte[_random.Next(1, 600)];
                _random.NextBytes(garbage);
                if (garbage.Length > 2 && _random.Next(2) == 0)
                {
                    garbage[0] = 0x30;
                    garbage[1] = (byte)Math.Min(garbage.Length - 2, 127);
                }
                await _socket.SendAsync(garbage, caller);
                break;
            case Malice.LengthBeyondDatagram:
                var honest = Answer(request);
                // 0x30 0x84 + four length octets: a sequence of 2 GB in a datagram of a few hundred bytes.
                byte[] lying = [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, .. honest.AsSpan(2)];
                await _socket.SendAsync(lying, caller);
                await _socket.SendAsync(honest.AsMemory(0, honest.Length / 2), caller);
                break;
            case Malice.WrongRequestId:
                await _socket.SendAsync(Answer(request with { RequestId = request.RequestId + 1 }), caller);
                break;
            case Malice.EndlessWalk:
            case Malice.LoopingWalk:
                await _socket.SendAsync(Walk(request), caller);
                break;
            case Malice.WrongAddress:
                await _other.SendAsync(Answer(request), caller);
                break;
            case Malice.SlowDrip:
                await Task.Delay(Drip, _stop.Token);
                await _socket.SendAsync(Answer(request), caller);
                break;
            default:
                var answer = Answer(request);
                for (var i = 0; i < 50; i++)
                {
                    await _socket.SendAsync(answer, caller);
                }
                break;
        }
    }

    /// <summary>A plausible answer: an integer for each OID asked (GET), or for the next one (GETNEXT, GETBULK).</summary>
    private static byte[] Answer(Pdu request)
    {
        var bindings = request.Type == PduType.GetRequest
            ? request.Varbinds.Select(v => new Varbind(v.Oid, SnmpValue.Integer(42)))
            : request.Varbinds.Select(v => new Varbind(Next(v.Oid, 1), SnmpValue.Integer(42)));
        return CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, request.RequestId, 0, 0, [.. bindings]));
    }

    /// <summary>An OID after <paramref name="oid"/> in its table: the last arc moved on, the length kept (OIDs have at most 128 arcs).</summary>
    private static Oid Next(Oid oid, uint step) => oid.Length < 12
        ? oid.Append(step)
        : new Oid([.. oid.Arcs[..^1], unchecked(oid.Arcs[^1] + step)]);

    private byte[] Walk(Pdu request)
    {
        if (request.Type != PduType.GetBulkRequest)
        {
            return Answer(request);
        }
        var bindings = new List<Varbind>();
        var repetitions = Math.Clamp(request.ErrorIndex, 1, 50);
        for (var r = 0; r < repetitions; r++)
        {
            foreach (var asked in request.Varbinds)
            {
                var oid = Malice == Malice.EndlessWalk
                    ? Next(asked.Oid, (uint)(r + 1))
                    // The first arcs of the subtree asked, then a low one: before the asked OID, so a walk that followed it would loop.
                    : new Oid(asked.Oid.Arcs[..Math.Max(2, asked.Oid.Length - 1)]).Append(0);
                bindings.Add(new Varbind(oid, SnmpValue.Counter64((ulong)_random.NextInt64())));
            }
        }
        return CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, request.RequestId, 0, 0, bindings));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        _other.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
