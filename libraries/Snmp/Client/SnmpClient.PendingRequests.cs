using System.Net;
using System.Security.Cryptography;

namespace PretixOps.Snmp;

// The requests in flight: each one decides whether a datagram is its answer, and drops it with a reason if not.
public sealed partial class SnmpClient
{
    /// <summary>A request waiting for its answer; <see cref="TryComplete"/> returns a drop reason or null.</summary>
    private abstract class PendingRequest(int id, IPEndPoint target)
    {
        public int Id { get; } = id;

        public IPEndPoint Target { get; } = target;

        public abstract string? TryComplete(ReadOnlySpan<byte> datagram);

        public abstract void Abandon();
    }

    private abstract class Pending<T>(int id, IPEndPoint target) : PendingRequest(id, target)
    {
        public TaskCompletionSource<T> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Abandon() => Reply.TrySetException(new ObjectDisposedException(nameof(SnmpClient)));
    }

    private sealed class CommunityPending(int id, IPEndPoint target, byte[] community) : Pending<Pdu>(id, target)
    {
        public override string? TryComplete(ReadOnlySpan<byte> datagram)
        {
            var (version, answeredCommunity, pdu) = CommunityMessage.Decode(datagram);
            if (version != SnmpVersion.V2c || pdu.Type != PduType.Response || pdu.RequestId != Id)
            {
                return "malformed";
            }
            if (!answeredCommunity.AsSpan().SequenceEqual(community))
            {
                return "authentication";
            }
            Reply.TrySetResult(pdu);
            return null;
        }
    }

    private sealed record V3Reply(UsmParameters Usm, Pdu Pdu, bool Authenticated);

    /// <summary>
    /// Accepts only what the user's security level promises: an authenticated user's answer must carry a valid
    /// HMAC, except the unauthenticated reports an agent sends when it cannot check ours (RFC 3414 section 3.2).
    /// </summary>
    private sealed class V3Pending(int id, IPEndPoint target, UsmUser? user, LocalizedKeys? keys) : Pending<V3Reply>(id, target)
    {
        public override string? TryComplete(ReadOnlySpan<byte> datagram)
        {
            var message = V3Message.Decode(datagram);
            if (message.MessageId != Id)
            {
                return "malformed";
            }
            var authenticated = (message.Flags & V3Message.AuthFlag) != 0;
            if (authenticated)
            {
                if (user is null || keys?.AuthKey is null || !Verify(datagram, message, user.Auth, keys.AuthKey))
                {
                    return "authentication";
                }
            }
            ScopedPdu scoped;
            if (message.Encrypted is { } encrypted)
            {
                if (!authenticated || (message.Flags & V3Message.PrivFlag) == 0 || user is null || keys?.PrivKey is null)
                {
                    return "authentication";
                }
                var salt = message.Usm.PrivParameters;
                var plaintext = user.Priv == PrivProtocol.Des
                    ? UsmCrypto.DecryptDes(keys.PrivKey, salt, encrypted)
                    : UsmCrypto.DecryptAes(keys.PrivKey, message.Usm.EngineBoots, message.Usm.EngineTime, salt, encrypted);
                var reader = new BerReader(plaintext);
                scoped = ScopedPdu.Decode(ref reader);
            }
            else
            {
                scoped = message.Plaintext!;
            }
            var pdu = scoped.Pdu;
            var acceptable = pdu.Type switch
            {
                PduType.Report => true,
                // An unauthenticated Response to an authenticated request could come from anyone on the path.
                PduType.Response => pdu.RequestId == Id && (authenticated || user is null || user.Auth == AuthProtocol.None),
                _ => false,
            };
            if (!acceptable)
            {
                return "authentication";
            }
            Reply.TrySetResult(new V3Reply(message.Usm, pdu, authenticated));
            return null;
        }

        private static bool Verify(ReadOnlySpan<byte> datagram, V3Message message, AuthProtocol protocol, byte[] key)
        {
            var macLength = UsmCrypto.MacLength(protocol);
            if (message.Usm.AuthParameters.Length != macLength)
            {
                return false;
            }
            var copy = datagram.ToArray();
            copy.AsSpan(message.AuthOffset, macLength).Clear();
            return CryptographicOperations.FixedTimeEquals(UsmCrypto.ComputeMac(protocol, key, copy), message.Usm.AuthParameters);
        }
    }
}
