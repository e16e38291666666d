namespace PretixOps.Snmp;

/// <summary>A community-based message (RFC 1157, RFC 1901): version, community, PDU.</summary>
internal static class CommunityMessage
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
