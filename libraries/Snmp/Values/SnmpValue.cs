using System.Globalization;
using System.Net;
using System.Text;

namespace PretixOps.Snmp;

/// <summary>
/// One value of a variable binding. Numbers are kept as <see cref="long"/> (INTEGER is signed 32-bit) or
/// <see cref="ulong"/> (Counter32, Gauge32, TimeTicks, Counter64); octets for OCTET STRING, IpAddress and Opaque.
/// </summary>
public readonly struct SnmpValue : IEquatable<SnmpValue>
{
    private readonly ulong _number;
    private readonly byte[]? _octets;
    private readonly Oid? _oid;

    private SnmpValue(SnmpType type, ulong number, byte[]? octets, Oid? oid)
    {
        Type = type;
        _number = number;
        _octets = octets;
        _oid = oid;
    }

    public SnmpType Type { get; }

    public static SnmpValue Null { get; } = new(SnmpType.Null, 0, null, null);

    public static SnmpValue NoSuchObject { get; } = new(SnmpType.NoSuchObject, 0, null, null);

    public static SnmpValue NoSuchInstance { get; } = new(SnmpType.NoSuchInstance, 0, null, null);

    public static SnmpValue EndOfMibView { get; } = new(SnmpType.EndOfMibView, 0, null, null);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "INTEGER is the protocol's own name for the type.")]
    public static SnmpValue Integer(long value) => new(SnmpType.Integer, unchecked((ulong)value), null, null);

    public static SnmpValue OctetString(ReadOnlySpan<byte> value) => new(SnmpType.OctetString, 0, value.ToArray(), null);

    public static SnmpValue OctetString(string value) => OctetString(Encoding.UTF8.GetBytes(value));

    public static SnmpValue ObjectIdentifier(Oid value) =>
        new(SnmpType.ObjectIdentifier, 0, null, value ?? throw new ArgumentNullException(nameof(value)));

    public static SnmpValue IpAddress(IPAddress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = value.GetAddressBytes();
        return bytes.Length == 4 ? new(SnmpType.IpAddress, 0, bytes, null) : throw new ArgumentException("IpAddress is IPv4 only.", nameof(value));
    }

    public static SnmpValue Counter32(uint value) => new(SnmpType.Counter32, value, null, null);

    public static SnmpValue Gauge32(uint value) => new(SnmpType.Gauge32, value, null, null);

    public static SnmpValue TimeTicks(uint value) => new(SnmpType.TimeTicks, value, null, null);

    public static SnmpValue Counter64(ulong value) => new(SnmpType.Counter64, value, null, null);

    public static SnmpValue Opaque(ReadOnlySpan<byte> value) => new(SnmpType.Opaque, 0, value.ToArray(), null);

    /// <summary>Used by the decoder, which has already checked the type's range.</summary>
    internal static SnmpValue FromNumber(SnmpType type, ulong number) => new(type, number, null, null);

    internal static SnmpValue FromOctets(SnmpType type, byte[] octets) => new(type, 0, octets, null);

    /// <summary>noSuchObject, noSuchInstance or endOfMibView: the agent has no value here.</summary>
    public bool IsException => Type is SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView;

    public bool IsNumber => Type is SnmpType.Integer or SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64;

    /// <summary>The value of an INTEGER.</summary>
    public long AsInt64() => Type == SnmpType.Integer ? unchecked((long)_number) : checked((long)AsUInt64());

    /// <summary>The value of an unsigned type (and of a non-negative INTEGER).</summary>
    public ulong AsUInt64() => Type switch
    {
        SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64 => _number,
        SnmpType.Integer when unchecked((long)_number) >= 0 => _number,
        _ => throw new InvalidOperationException($"{Type} is not an unsigned number."),
    };

    /// <summary>Any numeric type as a double: what a Prometheus sample holds.</summary>
    public double AsDouble() => Type == SnmpType.Integer ? unchecked((long)_number) : IsNumber ? _number
        : throw new InvalidOperationException($"{Type} is not a number.");

    public ReadOnlySpan<byte> AsOctets() => _octets ?? throw new InvalidOperationException($"{Type} has no octets.");

    /// <summary>An OCTET STRING as text: DisplayString is ASCII/UTF-8 in practice.</summary>
    public string AsText() => Encoding.UTF8.GetString(AsOctets());

    public Oid AsOid() => _oid ?? throw new InvalidOperationException($"{Type} is not an OBJECT IDENTIFIER.");

    internal ulong RawNumber => _number;

    internal byte[]? RawOctets => _octets;

    public bool Equals(SnmpValue other) =>
        Type == other.Type && _number == other._number && _oid == other._oid &&
        (_octets ?? []).AsSpan().SequenceEqual(other._octets ?? []);

    public override bool Equals(object? obj) => obj is SnmpValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, _number, _oid, _octets?.Length);

    public static bool operator ==(SnmpValue left, SnmpValue right) => left.Equals(right);

    public static bool operator !=(SnmpValue left, SnmpValue right) => !left.Equals(right);

    public override string ToString() => Type switch
    {
        SnmpType.Integer => AsInt64().ToString(CultureInfo.InvariantCulture),
        SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64 =>
            $"{Type}: {_number.ToString(CultureInfo.InvariantCulture)}",
        SnmpType.OctetString => $"\"{AsText()}\"",
        SnmpType.IpAddress => new IPAddress(AsOctets()).ToString(),
        SnmpType.Opaque => $"Opaque: {Convert.ToHexString(AsOctets())}",
        SnmpType.ObjectIdentifier => AsOid().ToString(),
        _ => Type.ToString(),
    };
}
