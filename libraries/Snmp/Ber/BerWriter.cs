using System.Buffers.Binary;

namespace PretixOps.Snmp;

/// <summary>
/// Writes BER (X.690) with definite lengths, the subset SNMP uses. A constructed element is opened with
/// <see cref="Begin"/>, which reserves one length octet, and closed with <see cref="End"/>, which moves the
/// contents when the length needs the long form: messages are small, so a rare move beats a second pass.
/// </summary>
internal sealed class BerWriter
{
    private byte[] _buffer;

    public BerWriter(int capacity = 512) => _buffer = new byte[Math.Max(capacity, 16)];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => Written.ToArray();

    public void Clear() => Length = 0;

    /// <summary>Opens a constructed element; returns the mark to pass to <see cref="End"/>.</summary>
    public int Begin(byte tag)
    {
        Ensure(2);
        _buffer[Length++] = tag;
        _buffer[Length++] = 0;
        return Length;
    }

    public void End(int mark)
    {
        var contentLength = Length - mark;
        var lengthOctets = LengthOctets(contentLength);
        if (lengthOctets > 1)
        {
            Ensure(lengthOctets - 1);
            Buffer.BlockCopy(_buffer, mark, _buffer, mark + lengthOctets - 1, contentLength);
            Length += lengthOctets - 1;
        }
        WriteLength(_buffer.AsSpan(mark - 1, lengthOctets), contentLength);
    }

    public void WriteInteger(long value, byte tag = (byte)SnmpType.Integer)
    {
        // Minimal two's complement: drop leading octets that only repeat the sign.
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        var start = 0;
        while (start < 7 && ((bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0) ||
                             (bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0)))
        {
            start++;
        }
        WriteOctets(bytes[start..], tag);
    }

    /// <summary>An unsigned number: Counter32, Gauge32, TimeTicks, Counter64 (a leading zero keeps the top bit clear).</summary>
    public void WriteUnsigned(ulong value, byte tag)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], value);
        var start = 0;
        while (start < 8 && bytes[start] == 0 && (bytes[start + 1] & 0x80) == 0)
        {
            start++;
        }
        WriteOctets(bytes[start..], tag);
    }

    public void WriteOctets(ReadOnlySpan<byte> value, byte tag = (byte)SnmpType.OctetString)
    {
        var lengthOctets = LengthOctets(value.Length);
        Ensure(1 + lengthOctets + value.Length);
        _buffer[Length++] = tag;
        WriteLength(_buffer.AsSpan(Length, lengthOctets), value.Length);
        Length += lengthOctets;
        value.CopyTo(_buffer.AsSpan(Length));
        Length += value.Length;
    }

    /// <summary>Already-encoded elements, copied as they are.</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded)
    {
        Ensure(encoded.Length);
        encoded.CopyTo(_buffer.AsSpan(Length));
        Length += encoded.Length;
    }

    public void WriteNull(byte tag = (byte)SnmpType.Null)
    {
        Ensure(2);
        _buffer[Length++] = tag;
        _buffer[Length++] = 0;
    }

    public void WriteOid(Oid oid)
    {
        ArgumentNullException.ThrowIfNull(oid);
        // At most 5 octets per arc (32 bits in 7-bit groups).
        Span<byte> bytes = stackalloc byte[5 * Oid.MaxArcs];
        var length = WriteSubidentifier(bytes, (ulong)oid[0] * 40 + oid[1]);
        for (var i = 2; i < oid.Length; i++)
        {
            length += WriteSubidentifier(bytes[length..], oid[i]);
        }
        WriteOctets(bytes[..length], (byte)SnmpType.ObjectIdentifier);
    }

    public void WriteValue(SnmpValue value)
    {
        switch (value.Type)
        {
            case SnmpType.Integer:
                WriteInteger(value.AsInt64());
                break;
            case SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64:
                WriteUnsigned(value.RawNumber, (byte)value.Type);
                break;
            case var _ when value.RawOctets is { } octets:
                WriteOctets(octets, (byte)value.Type);
                break;
            case SnmpType.ObjectIdentifier:
                WriteOid(value.AsOid());
                break;
            default:
                WriteNull((byte)value.Type);
                break;
        }
    }

    private static int WriteSubidentifier(Span<byte> destination, ulong value)
    {
        var groups = 1;
        for (var rest = value >> 7; rest != 0; rest >>= 7)
        {
            groups++;
        }
        for (var i = groups - 1; i >= 0; i--)
        {
            destination[groups - 1 - i] = (byte)(((value >> (7 * i)) & 0x7F) | (i > 0 ? 0x80u : 0u));
        }
        return groups;
    }

    private static int LengthOctets(int length) => length switch
    {
        < 0x80 => 1,
        <= 0xFF => 2,
        <= 0xFFFF => 3,
        <= 0xFFFFFF => 4,
        _ => 5,
    };

    private static void WriteLength(Span<byte> destination, int length)
    {
        if (destination.Length == 1)
        {
            destination[0] = (byte)length;
            return;
        }
        destination[0] = (byte)(0x80 | (destination.Length - 1));
        for (var i = destination.Length - 1; i >= 1; i--)
        {
            destination[i] = (byte)length;
            length >>= 8;
        }
    }

    private void Ensure(int more)
    {
        if (Length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
        }
    }
}
