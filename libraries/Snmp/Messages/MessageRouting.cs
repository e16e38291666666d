namespace PretixOps.Snmp;

/// <summary>Finds which request a datagram answers without decoding all of it.</summary>
internal static class MessageRouting
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
