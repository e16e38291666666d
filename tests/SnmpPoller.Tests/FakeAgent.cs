using System.Net;
using System.Net.Sockets;
using PretixOps.SnmpPoller.Snmp;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>
/// A scripted v2c agent on a loopback UDP socket: each request goes to <see cref="Answer"/>, which returns the
/// datagrams to send back (none to stay silent). It plays misbehaving agents the real snmpd never would.
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _received;

    public FakeAgent(Func<Pdu, IEnumerable<byte[]>> answer)
    {
        Answer = answer;
        _loop = Task.Run(LoopAsync);
    }

    public Func<Pdu, IEnumerable<byte[]>> Answer { get; set; }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    public int Received => Volatile.Read(ref _received);

    public SnmpTarget Target(int retries = 0, double timeoutSeconds = 2) =>
        new(EndPoint) { Retries = retries, Timeout = TimeSpan.FromSeconds(timeoutSeconds) };

    public static byte[] Respond(Pdu request, params Varbind[] bindings) =>
        CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, request.RequestId, 0, 0, bindings));

    /// <summary>The same value echoed for every requested OID.</summary>
    public static byte[] Echo(Pdu request, SnmpValue value) =>
        Respond(request, [.. request.Varbinds.Select(v => new Varbind(v.Oid, value))]);

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
            var (_, _, pdu) = CommunityMessage.Decode(received.Buffer);
            foreach (var datagram in Answer(pdu))
            {
                await _socket.SendAsync(datagram, received.RemoteEndPoint);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>An agent in memory: a sorted MIB answering GET, GETNEXT and GETBULK as RFC 3416 says, for walk tests.</summary>
internal sealed class MibClient(IEnumerable<Varbind> mib) : ISnmpClient
{
    private readonly SortedList<Oid, SnmpValue> _mib = new(mib.ToDictionary(v => v.Oid, v => v.Value));

    public List<IReadOnlyList<Oid>> BulkRequests { get; } = [];

    /// <summary>Cut every GETBULK response to this many bindings, as an agent does at its size limit.</summary>
    public int? Truncate { get; set; }

    public Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Varbind>>([.. oids.Select(o => new Varbind(o, _mib.TryGetValue(o, out var v) ? v : SnmpValue.NoSuchObject))]);

    public Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Varbind>>([.. oids.Select(Next)]);

    public Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
        CancellationToken cancellationToken = default)
    {
        BulkRequests.Add(oids);
        var result = new List<Varbind>();
        var cursors = oids.ToArray();
        for (var r = 0; r < maxRepetitions; r++)
        {
            for (var c = 0; c < cursors.Length; c++)
            {
                var next = Next(cursors[c]);
                result.Add(next);
                cursors[c] = next.Oid;
            }
        }
        return Task.FromResult<IReadOnlyList<Varbind>>(Truncate is { } n ? result.Take(n).ToList() : result);
    }

    private Varbind Next(Oid oid)
    {
        foreach (var (key, value) in _mib)
        {
            if (key > oid)
            {
                return new Varbind(key, value);
            }
        }
        return new Varbind(oid, SnmpValue.EndOfMibView);
    }
}
