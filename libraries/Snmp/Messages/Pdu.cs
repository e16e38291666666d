namespace PretixOps.Snmp;

/// <summary>
/// A protocol data unit. For GETBULK, RFC 3416 reuses the error fields: <see cref="ErrorStatus"/> holds
/// non-repeaters and <see cref="ErrorIndex"/> max-repetitions.
/// </summary>
internal sealed record Pdu(PduType Type, int RequestId, int ErrorStatus, int ErrorIndex, IReadOnlyList<Varbind> Varbinds)
{
    public static Pdu Request(PduType type, int requestId, IEnumerable<Oid> oids) =>
        new(type, requestId, 0, 0, oids.Select(Varbind.Request).ToArray());

    public static Pdu GetBulk(int requestId, int nonRepeaters, int maxRepetitions, IEnumerable<Oid> oids) =>
        new(PduType.GetBulkRequest, requestId, nonRepeaters, maxRepetitions, oids.Select(Varbind.Request).ToArray());

    public Pdu WithRequestId(int requestId) => this with { RequestId = requestId };

    public void Encode(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var pdu = writer.Begin((byte)Type);
        writer.WriteInteger(RequestId);
        writer.WriteInteger(ErrorStatus);
        writer.WriteInteger(ErrorIndex);
        var list = writer.Begin(0x30);
        foreach (var varbind in Varbinds)
        {
            var binding = writer.Begin(0x30);
            writer.WriteOid(varbind.Oid);
            writer.WriteValue(varbind.Value);
            writer.End(binding);
        }
        writer.End(list);
        writer.End(pdu);
    }

    public static Pdu Decode(ref BerReader reader)
    {
        var content = reader.ReadElement(out var tag, out var offset);
        if (!Enum.IsDefined((PduType)tag))
        {
            throw new SnmpDecodeException($"unknown PDU type 0x{tag:X2}.");
        }
        var pdu = new BerReader(content, offset);
        var requestId = pdu.ReadInt32("request-id");
        var errorStatus = pdu.ReadInt32("error-status");
        var errorIndex = pdu.ReadInt32("error-index");
        var list = pdu.ReadSequence(0x30, "variable-bindings");
        var varbinds = new List<Varbind>();
        while (list.HasMore)
        {
            var binding = list.ReadSequence(0x30, "VarBind");
            var oid = binding.ReadOid();
            var value = binding.ReadValue();
            if (binding.HasMore)
            {
                throw new SnmpDecodeException("VarBind has trailing data.");
            }
            varbinds.Add(new Varbind(oid, value));
        }
        if (pdu.HasMore)
        {
            throw new SnmpDecodeException("PDU has trailing data.");
        }
        return new Pdu((PduType)tag, requestId, errorStatus, errorIndex, varbinds);
    }
}
