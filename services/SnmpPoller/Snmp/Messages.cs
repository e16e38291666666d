namespace PretixOps.SnmpPoller.Snmp;

/// <summary>The message version field: 0 is SNMPv1, 1 SNMPv2c, 3 SNMPv3.</summary>
public enum SnmpVersion
{
    V1 = 0,
    V2c = 1,
    V3 = 3,
}

/// <summary>A community-based message (RFC 1157, RFC 1901): version, community, PDU.</summary>
public static class CommunityMessage
{
    public static byte[] Encode(SnmpVersion version, ReadOnlySpan<byte> community, Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        var writer = new BerWriter(64 + pdu.Varbinds.Count * 24);
        var message = writer.Begin(0x30);
        writer.WriteInteger((int)version);
        writer.WriteOctets(community);
        pdu.Encode(writer);
        writer.End(message);
        return writer.ToArray();
    }

    public static (SnmpVersion Version, byte[] Community, Pdu Pdu) Decode(ReadOnlySpan<byte> datagram)
    {
        var outer = new BerReader(datagram);
        var message = outer.ReadSequence(0x30, "Message");
        var version = message.ReadInteger("version");
        if (version is not (0 or 1))
        {
            throw new SnmpDecodeException($"version {version} is not a community-based message.");
        }
        var community = message.ReadOctetString("community").ToArray();
        var pdu = Pdu.Decode(ref message);
        if (message.HasMore || outer.HasMore)
        {
            throw new SnmpDecodeException("message has trailing data.");
        }
        return ((SnmpVersion)version, community, pdu);
    }
}

/// <summary>msgSecurityParameters of the User-based Security Model (RFC 3414 section 2.4).</summary>
public sealed record UsmParameters(byte[] EngineId, int EngineBoots, int EngineTime, byte[] UserName, byte[] AuthParameters, byte[] PrivParameters);

/// <summary>
/// An SNMPv3 message (RFC 3412 section 6) as decoded: its header, USM parameters, and either the plaintext
/// scoped PDU or the encrypted one. <see cref="AuthOffset"/> locates the authentication parameters, which the
/// HMAC covers as zeros.
/// </summary>
public sealed record V3Message(int MessageId, int MaxSize, byte Flags, UsmParameters Usm, ScopedPdu? Plaintext, byte[]? Encrypted, int AuthOffset)
{
    public const byte AuthFlag = 1;
    public const byte PrivFlag = 2;
    public const byte ReportableFlag = 4;
    public const int UsmSecurityModel = 3;

    /// <summary>Encodes a message; when the user authenticates, the HMAC is computed over the result and filled in.</summary>
    public static byte[] Encode(int messageId, int maxSize, byte flags, UsmParameters usm, ReadOnlySpan<byte> msgData,
        AuthProtocol auth, byte[]? authKey)
    {
        ArgumentNullException.ThrowIfNull(usm);
        var macLength = (flags & AuthFlag) != 0 ? UsmCrypto.MacLength(auth) : 0;

        var security = new BerWriter(128);
        security.WriteOctets(usm.EngineId);
        security.WriteInteger(usm.EngineBoots);
        security.WriteInteger(usm.EngineTime);
        security.WriteOctets(usm.UserName);
        var authInSecurity = security.Length + 2; // tag and one length octet: a MAC is at most 24 octets
        security.WriteOctets(new byte[macLength]);
        security.WriteOctets(usm.PrivParameters);
        var usmSequence = new BerWriter(security.Length + 8);
        usmSequence.WriteOctets(security.Written, 0x30);
        var authInUsm = usmSequence.Length - security.Length + authInSecurity;

        var body = new BerWriter(usmSequence.Length + msgData.Length + 64);
        body.WriteInteger(3);
        var header = body.Begin(0x30);
        body.WriteInteger(messageId);
        body.WriteInteger(maxSize);
        body.WriteOctets([flags]);
        body.WriteInteger(UsmSecurityModel);
        body.End(header);
        body.WriteOctets(usmSequence.Written);
        var authInBody = body.Length - usmSequence.Length + authInUsm;
        body.WriteRaw(msgData);

        var message = new BerWriter(body.Length + 8);
        message.WriteOctets(body.Written, 0x30);
        var bytes = message.ToArray();
        if (macLength > 0)
        {
            var authOffset = bytes.Length - body.Length + authInBody;
            UsmCrypto.ComputeMac(auth, authKey ?? throw new ArgumentNullException(nameof(authKey)), bytes)
                .CopyTo(bytes.AsSpan(authOffset, macLength));
        }
        return bytes;
    }

    public static V3Message Decode(ReadOnlySpan<byte> datagram)
    {
        var outer = new BerReader(datagram);
        var message = outer.ReadSequence(0x30, "SNMPv3Message");
        if (outer.HasMore)
        {
            throw new SnmpDecodeException("message has trailing data.");
        }
        if (message.ReadInteger("msgVersion") != 3)
        {
            throw new SnmpDecodeException("not an SNMPv3 message.");
        }
        var header = message.ReadSequence(0x30, "msgGlobalData");
        var messageId = header.ReadInt32("msgID");
        var maxSize = header.ReadInt32("msgMaxSize");
        var flags = header.ReadOctetString("msgFlags");
        if (flags.Length != 1)
        {
            throw new SnmpDecodeException("msgFlags must be one octet.");
        }
        if (header.ReadInteger("msgSecurityModel") != UsmSecurityModel)
        {
            throw new SnmpDecodeException("msgSecurityModel is not USM.");
        }
        var securityBytes = message.ReadExpected(0x04, "msgSecurityParameters", out var securityOffset);
        var security = new BerReader(securityBytes, securityOffset).ReadSequence(0x30, "UsmSecurityParameters");
        var engineId = security.ReadOctetString("msgAuthoritativeEngineID").ToArray();
        var boots = security.ReadInt32("msgAuthoritativeEngineBoots");
        var time = security.ReadInt32("msgAuthoritativeEngineTime");
        var userName = security.ReadOctetString("msgUserName").ToArray();
        var authParameters = security.ReadExpected(0x04, "msgAuthenticationParameters", out var authOffset).ToArray();
        var privParameters = security.ReadOctetString("msgPrivacyParameters").ToArray();
        if (engineId.Length > 32 || userName.Length > 32 || boots < 0 || time < 0)
        {
            throw new SnmpDecodeException("USM parameters are out of range.");
        }

        ScopedPdu? plaintext = null;
        byte[]? encrypted = null;
        if (message.PeekTag() == 0x04)
        {
            encrypted = message.ReadOctetString("encryptedPDU").ToArray();
        }
        else
        {
            plaintext = ScopedPdu.Decode(ref message);
        }
        if (message.HasMore)
        {
            throw new SnmpDecodeException("message has trailing data.");
        }
        return new V3Message(messageId, maxSize, flags[0],
            new UsmParameters(engineId, boots, time, userName, authParameters, privParameters),
            plaintext, encrypted, authOffset);
    }
}

/// <summary>ScopedPDU (RFC 3412 section 6.8): context engine id, context name, PDU.</summary>
public sealed record ScopedPdu(byte[] ContextEngineId, byte[] ContextName, Pdu Pdu)
{
    public byte[] Encode()
    {
        var writer = new BerWriter(128 + Pdu.Varbinds.Count * 24);
        var scoped = writer.Begin(0x30);
        writer.WriteOctets(ContextEngineId);
        writer.WriteOctets(ContextName);
        Pdu.Encode(writer);
        writer.End(scoped);
        return writer.ToArray();
    }

    /// <summary>Reads one ScopedPDU; octets after it (DES padding) are left unread.</summary>
    public static ScopedPdu Decode(ref BerReader reader)
    {
        var scoped = reader.ReadSequence(0x30, "ScopedPDU");
        var contextEngineId = scoped.ReadOctetString("contextEngineID").ToArray();
        var contextName = scoped.ReadOctetString("contextName").ToArray();
        var pdu = Pdu.Decode(ref scoped);
        if (scoped.HasMore)
        {
            throw new SnmpDecodeException("ScopedPDU has trailing data.");
        }
        return new ScopedPdu(contextEngineId, contextName, pdu);
    }
}

/// <summary>Finds which request a datagram answers without decoding all of it.</summary>
public static class MessageRouting
{
    /// <summary>The request-id (v1, v2c) or msgID (v3) of a datagram; false when it is not an SNMP message.</summary>
    public static bool TryPeekId(ReadOnlySpan<byte> datagram, out SnmpVersion version, out int id)
    {
        version = default;
        id = 0;
        try
        {
            var outer = new BerReader(datagram);
            var message = outer.ReadSequence(0x30, "Message");
            var number = message.ReadInteger("version");
            switch (number)
            {
                case 0 or 1:
                    message.ReadOctetString("community");
                    var pdu = new BerReader(message.ReadElement(out _, out _));
                    id = pdu.ReadInt32("request-id");
                    break;
                case 3:
                    var header = message.ReadSequence(0x30, "msgGlobalData");
                    id = header.ReadInt32("msgID");
                    break;
                default:
                    return false;
            }
            version = (SnmpVersion)number;
            return true;
        }
        catch (SnmpDecodeException)
        {
            return false;
        }
    }
}
