using System.Net;
using System.Net.Sockets;

namespace PretixOps.Snmp.Tests;

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
