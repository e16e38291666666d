using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PretixOps.Snmp;

/// <summary>
/// SNMP over one UDP socket shared by every request: each request is registered under its request-id (v2c) or
/// msgID (v3), one receive loop hands each datagram to the request it answers, so any number of requests are in
/// flight at once. A datagram that does not decode, comes from the wrong address, or fails authentication is
/// dropped and reported through <c>onDropped</c>; the request keeps waiting for the real answer.
/// </summary>
public sealed partial class SnmpClient : ISnmpClient, IAsyncDisposable
{
    /// <summary>The largest UDP payload over IPv4; what we tell v3 agents we accept.</summary>
    private const int MaxMessageSize = 65_507;

    private static readonly Oid UsmStats = Oid.Parse("1.3.6.1.6.3.15.1.1");

    private readonly Socket _socket;
    private readonly ConcurrentDictionary<int, PendingRequest> _pending = new();
    private readonly ConcurrentDictionary<IPEndPoint, EngineState> _engines = new();
    private readonly Action<string> _onDropped;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _receiving;
    private int _disposed;
    private long _salt = BinaryPrimitives.ReadInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    /// <param name="onDropped">Called with a reason for every datagram that is thrown away.</param>
    public SnmpClient(Action<string>? onDropped = null)
    {
        _onDropped = onDropped ?? (_ => { });
        _socket = OpenSocket();
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        RequestAsync(target, id => Pdu.Request(PduType.GetRequest, id, oids), cancellationToken);

    public Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        RequestAsync(target, id => Pdu.Request(PduType.GetNextRequest, id, oids), cancellationToken);

    public Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
        CancellationToken cancellationToken = default) =>
        RequestAsync(target, id => Pdu.GetBulk(id, nonRepeaters, maxRepetitions, oids), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        _socket.Dispose();
        await _receiving;
        foreach (var pending in _pending.Values)
        {
            pending.Abandon();
        }
        _stopping.Dispose();
    }

    private async Task<IReadOnlyList<Varbind>> RequestAsync(SnmpTarget target, Func<int, Pdu> pdu, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var response = target.Version switch
        {
            SnmpVersion.V2c => await CommunityRequestAsync(target, pdu, cancellationToken),
            SnmpVersion.V3 => await V3RequestAsync(target, pdu, cancellationToken),
            _ => throw new ArgumentException($"{target.Version} is not supported; use v2c or v3.", nameof(target)),
        };
        if (response.ErrorStatus != 0)
        {
            throw new SnmpErrorStatusException((SnmpErrorStatus)response.ErrorStatus, response.ErrorIndex, target);
        }
        return response.Varbinds;
    }

    private async Task<Pdu> CommunityRequestAsync(SnmpTarget target, Func<int, Pdu> pdu, CancellationToken cancellationToken)
    {
        var community = Encoding.UTF8.GetBytes(target.Community);
        var pending = new CommunityPending(NextId(), target.EndPoint, community);
        var datagram = CommunityMessage.Encode(SnmpVersion.V2c, community, pdu(pending.Id));
        return await ExchangeAsync(target, pending, datagram, cancellationToken);
    }

    private async Task<Pdu> V3RequestAsync(SnmpTarget target, Func<int, Pdu> pdu, CancellationToken cancellationToken)
    {
        var user = target.User ?? throw new ArgumentException("SNMPv3 needs a user.", nameof(target));
        var engine = await EngineAsync(target, cancellationToken);
        // Two resynchronisations at most: a notInTimeWindows report (the agent rebooted or our clock drifted) and
        // an unknownEngineID report (another agent now answers on this address).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var keys = user.KeysFor(engine.Id);
            var pending = new V3Pending(NextId(), target.EndPoint, user, keys);
            var datagram = EncodeV3(target, user, keys, engine, pdu(pending.Id), pending.Id);
            var reply = await ExchangeAsync(target, pending, datagram, cancellationToken);
            // RFC 3414 section 3.2 step 7b: an authenticated user's clock follows authenticated messages only.
            var trusted = reply.Authenticated || user.Auth == AuthProtocol.None;
            if (reply.Pdu.Type != PduType.Report)
            {
                if (trusted)
                {
                    engine.Observe(reply.Usm);
                }
                return reply.Pdu;
            }
            var report = reply.Pdu.Varbinds.Count > 0 ? reply.Pdu.Varbinds[0].Oid : null;
            switch (report is not null && report.StartsWith(UsmStats) && report.Length > UsmStats.Length ? report[UsmStats.Length] : 0)
            {
                case 2: // usmStatsNotInTimeWindows: the (authenticated) report carries the agent's boots and time.
                    if (trusted)
                    {
                        engine.Observe(reply.Usm, resynchronise: true);
                    }
                    continue;
                case 4: // usmStatsUnknownEngineIDs
                    _engines.TryRemove(KeyValuePair.Create(target.EndPoint, engine));
                    engine = await EngineAsync(target, cancellationToken);
                    continue;
                case 1:
                    throw new SnmpException("security_level",
                        $"{target} does not allow the security level of user '{user.Name}' (usmStatsUnsupportedSecLevels).");
                case 3:
                    throw new SnmpException("unknown_user", $"{target} has no SNMPv3 user '{user.Name}' (usmStatsUnknownUserNames).");
                case 5:
                    throw new SnmpException("authentication",
                        $"{target} rejected the authentication of user '{user.Name}': wrong authentication password or protocol (usmStatsWrongDigests).");
                case 6:
                    throw new SnmpException("decryption",
                        $"{target} could not decrypt the request of user '{user.Name}': wrong privacy password or protocol (usmStatsDecryptionErrors).");
                default:
                    throw new SnmpException("report", $"{target} answered with a report: {report?.ToString() ?? "(empty)"}.");
            }
        }
        throw new SnmpException("time_window", $"{target} kept rejecting the engine time; its clock or boot counter is unstable.");
    }

    /// <summary>The agent's engine id, boots and time: learned once per address (RFC 3414 section 4), then kept current.</summary>
    private async Task<EngineState> EngineAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        if (_engines.TryGetValue(target.EndPoint, out var known))
        {
            return known;
        }
        var pending = new V3Pending(NextId(), target.EndPoint, user: null, keys: null);
        var probe = new ScopedPdu([], [], Pdu.Request(PduType.GetRequest, pending.Id, []));
        var datagram = V3Message.Encode(pending.Id, MaxMessageSize, V3Message.ReportableFlag,
            new UsmParameters([], 0, 0, [], [], []), probe.Encode(), AuthProtocol.None, null);
        var reply = await ExchangeAsync(target, pending, datagram, cancellationToken);
        if (reply.Usm.EngineId.Length == 0)
        {
            throw new SnmpException("discovery", $"{target} answered the engine discovery without an engine id.");
        }
        var engine = new EngineState(reply.Usm.EngineId);
        engine.Observe(reply.Usm, resynchronise: true);
        return _engines.GetOrAdd(target.EndPoint, engine);
    }

    private byte[] EncodeV3(SnmpTarget target, UsmUser user, LocalizedKeys keys, EngineState engine, Pdu pdu, int messageId)
    {
        var (boots, time) = engine.Now();
        var scoped = new ScopedPdu(engine.Id, Encoding.UTF8.GetBytes(target.ContextName), pdu).Encode();
        byte[] msgData;
        byte[] privParameters = [];
        if (user.Priv == PrivProtocol.None)
        {
            msgData = scoped;
        }
        else
        {
            // The salt must never repeat under one key: a process-wide counter, started at random.
            var counter = Interlocked.Increment(ref _salt);
            privParameters = new byte[8];
            byte[] encrypted;
            if (user.Priv == PrivProtocol.Des)
            {
                BinaryPrimitives.WriteInt32BigEndian(privParameters, boots);
                BinaryPrimitives.WriteInt32BigEndian(privParameters.AsSpan(4), unchecked((int)counter));
                encrypted = UsmCrypto.EncryptDes(keys.PrivKey!, privParameters, scoped);
            }
            else
            {
                BinaryPrimitives.WriteInt64BigEndian(privParameters, counter);
                encrypted = UsmCrypto.EncryptAes(keys.PrivKey!, boots, time, privParameters, scoped);
            }
            var octets = new BerWriter(encrypted.Length + 8);
            octets.WriteOctets(encrypted);
            msgData = octets.ToArray();
        }
        var usm = new UsmParameters(engine.Id, boots, time, Encoding.UTF8.GetBytes(user.Name), [], privParameters);
        return V3Message.Encode(messageId, MaxMessageSize, (byte)(user.SecurityFlags | V3Message.ReportableFlag), usm, msgData,
            user.Auth, keys.AuthKey);
    }

    private async Task<T> ExchangeAsync<T>(SnmpTarget target, Pending<T> pending, byte[] datagram, CancellationToken cancellationToken)
    {
        if (!_pending.TryAdd(pending.Id, pending))
        {
            // Ids wrap only after two billion requests; one still in flight by then is a bug, not a race to handle.
            throw new InvalidOperationException($"request id {pending.Id} is already in flight.");
        }
        try
        {
            for (var attempt = 0; attempt <= target.Retries; attempt++)
            {
                await _socket.SendToAsync(datagram, SocketFlags.None, target.EndPoint, cancellationToken);
                try
                {
                    return await pending.Reply.Task.WaitAsync(target.Timeout, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // Send the same datagram again: a late answer to either copy completes the request.
                }
            }
            throw new SnmpTimeoutException(target, target.Retries + 1);
        }
        finally
        {
            _pending.TryRemove(pending.Id, out _);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxMessageSize + 1];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error for an earlier datagram (connection reset, unreachable); the request times out on its
                // own. The pause keeps an error that repeats from spinning a core.
                await Task.Delay(10, CancellationToken.None);
                continue;
            }
            try
            {
                Dispatch(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint);
            }
#pragma warning disable CA1031 // the loop is the only reader of the socket: whatever one datagram does, it must go on
            catch (Exception)
#pragma warning restore CA1031
            {
                Dropped("malformed");
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (!MessageRouting.TryPeekId(datagram, out _, out var id))
        {
            Dropped("malformed");
            return;
        }
        if (!_pending.TryGetValue(id, out var pending))
        {
            Dropped("unexpected");
            return;
        }
        if (!SameEndPoint(pending.Target, from))
        {
            Dropped("wrong_source");
            return;
        }
        string? reason;
        try
        {
            reason = pending.TryComplete(datagram);
        }
        catch (Exception e) when (e is SnmpDecodeException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            reason = "malformed";
        }
        if (reason is not null)
        {
            Dropped(reason);
        }
    }

    private void Dropped(string reason)
    {
        try
        {
            _onDropped(reason);
        }
#pragma warning disable CA1031 // a failing counter must not stop the receive loop
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>A random id not in flight: an off-path sender cannot guess which answer we wait for.</summary>
    private int NextId()
    {
        while (true)
        {
            var id = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (!_pending.ContainsKey(id))
            {
                return id;
            }
        }
    }

    private static bool SameEndPoint(IPEndPoint expected, IPEndPoint actual) =>
        expected.Port == actual.Port && expected.Address.MapToIPv6().Equals(actual.Address.MapToIPv6());

    private static Socket OpenSocket()
    {
        try
        {
            var dual = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            dual.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            return dual;
        }
        catch (SocketException)
        {
            // A kernel or container without IPv6.
            var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            v4.Bind(new IPEndPoint(IPAddress.Any, 0));
            return v4;
        }
    }
}
