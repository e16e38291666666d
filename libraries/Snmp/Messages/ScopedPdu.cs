namespace PretixOps.Snmp;

/// <summary>ScopedPDU (RFC 3412 section 6.8): context engine id, context name, PDU.</summary>
internal sealed record ScopedPdu(byte[] ContextEngineId, byte[] ContextName, Pdu Pdu)
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
