namespace PretixOps.Snmp;

/// <summary>A variable binding: an OID and its value.</summary>
public readonly record struct Varbind(Oid Oid, SnmpValue Value)
{
    /// <summary>A binding as a request carries it: the OID with a NULL value.</summary>
    public static Varbind Request(Oid oid) => new(oid, SnmpValue.Null);

    public override string ToString() => $"{Oid} = {Value}";
}
