namespace PretixOps.Snmp;

/// <summary>
/// An SNMPv3 message (RFC 3412 section 6) as decoded: its header, USM parameters, and either the plaintext
/// scoped PDU or the encrypted one. <see cref="AuthOffset"/> locates the authentication parameters, which the
/// HMAC covers as zeros.
/// </summary>
internal sealed record V3Message(int MessageId, int MaxSize, byte Flags, UsmParameters Usm, ScopedPdu? Plaintext, byte[]? Encrypted, int AuthOffset)
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
