namespace PretixOps.Snmp;

/// <summary>
/// Reads BER strictly: definite lengths only, every length inside its parent, numbers within their type.
/// Everything wrong is a <see cref="SnmpDecodeException"/>, so a hostile datagram costs a drop, never a crash.
/// </summary>
internal ref struct BerReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;

    /// <param name="offset">Where <paramref name="data"/> starts in the whole message, for <see cref="AbsolutePosition"/>.</param>
    public BerReader(ReadOnlySpan<byte> data, int offset = 0)
    {
        _data = data;
        _base = offset;
        Position = 0;
    }

    public int Position { get; private set; }

    /// <summary>The position in the whole message: used to find the authentication parameters to zero.</summary>
    public readonly int AbsolutePosition => _base + Position;

    public readonly bool HasMore => Position < _data.Length;

    public readonly byte PeekTag() => HasMore ? _data[Position] : throw new SnmpDecodeException("unexpected end of data.");

    /// <summary>Reads one element's header and returns its tag and contents.</summary>
    public ReadOnlySpan<byte> ReadElement(out byte tag, out int contentOffset)
    {
        if (!HasMore)
        {
            throw new SnmpDecodeException("unexpected end of data.");
        }
        tag = _data[Position++];
        if ((tag & 0x1F) == 0x1F)
        {
            throw new SnmpDecodeException($"multi-octet tag 0x{tag:X2} is not used by SNMP.");
        }
        if (!HasMore)
        {
            throw new SnmpDecodeException("missing length.");
        }
        int length = _data[Position++];
        if (length == 0x80)
        {
            throw new SnmpDecodeException("indefinite length is not allowed.");
        }
        if (length > 0x80)
        {
            var octets = length & 0x7F;
            if (octets > 4 || octets > _data.Length - Position)
            {
                throw new SnmpDecodeException("length field is too long.");
            }
            long longLength = 0;
            for (var i = 0; i < octets; i++)
            {
                longLength = (longLength << 8) | _data[Position++];
            }
            if (longLength > _data.Length - Position)
            {
                throw new SnmpDecodeException("length runs past the end of its container.");
            }
            length = (int)longLength;
        }
        else if (length > _data.Length - Position)
        {
            throw new SnmpDecodeException("length runs past the end of its container.");
        }
        contentOffset = _base + Position;
        var content = _data.Slice(Position, length);
        Position += length;
        return content;
    }

    public ReadOnlySpan<byte> ReadExpected(byte expectedTag, string what, out int contentOffset)
    {
        var content = ReadElement(out var tag, out contentOffset);
        return tag == expectedTag ? content : throw new SnmpDecodeException($"{what}: expected tag 0x{expectedTag:X2}, found 0x{tag:X2}.");
    }

    public ReadOnlySpan<byte> ReadExpected(byte expectedTag, string what) => ReadExpected(expectedTag, what, out _);

    /// <summary>Enters a constructed element; the returned reader covers exactly its contents.</summary>
    public BerReader ReadSequence(byte expectedTag, string what)
    {
        var content = ReadExpected(expectedTag, what, out var offset);
        return new BerReader(content, offset);
    }

    public long ReadInteger(string what) => DecodeSigned(ReadExpected((byte)SnmpType.Integer, what), what);

    public int ReadInt32(string what)
    {
        var value = ReadInteger(what);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new SnmpDecodeException($"{what} is out of range.");
    }

    public ReadOnlySpan<byte> ReadOctetString(string what) => ReadExpected((byte)SnmpType.OctetString, what);

    public SnmpValue ReadValue()
    {
        var content = ReadElement(out var tag, out _);
        switch ((SnmpType)tag)
        {
            case SnmpType.Integer:
                // Integer32 by the SMI, but agents in the field send wider values (hrStorageSize of a big disk):
                // keep what they said rather than lose the whole response.
                return SnmpValue.FromNumber(SnmpType.Integer, unchecked((ulong)DecodeSigned(content, "INTEGER")));
            case SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks:
                // Some agents encode large 32-bit values as negative numbers; the low 32 bits are what they meant.
                return SnmpValue.FromNumber((SnmpType)tag, unchecked((ulong)DecodeSigned(content, "unsigned32")) & 0xFFFF_FFFF);
            case SnmpType.Counter64:
                return SnmpValue.FromNumber(SnmpType.Counter64, DecodeUnsigned64(content));
            case SnmpType.OctetString or SnmpType.Opaque:
                return SnmpValue.FromOctets((SnmpType)tag, content.ToArray());
            case SnmpType.IpAddress:
                return content.Length == 4 ? SnmpValue.FromOctets(SnmpType.IpAddress, content.ToArray())
                    : throw new SnmpDecodeException("IpAddress must be 4 octets.");
            case SnmpType.ObjectIdentifier:
                return SnmpValue.ObjectIdentifier(DecodeOid(content));
            case SnmpType.Null or SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView:
                if (!content.IsEmpty)
                {
                    throw new SnmpDecodeException($"{(SnmpType)tag} must be empty.");
                }
                return (SnmpType)tag switch
                {
                    SnmpType.NoSuchObject => SnmpValue.NoSuchObject,
                    SnmpType.NoSuchInstance => SnmpValue.NoSuchInstance,
                    SnmpType.EndOfMibView => SnmpValue.EndOfMibView,
                    _ => SnmpValue.Null,
                };
            case var _ when (tag & 0xE0) == 0x40:
                // Another primitive application type (NsapAddress, UInteger32 of SNMPv2 drafts): kept as octets,
                // so one unusual value does not cost the whole response.
                return SnmpValue.FromOctets((SnmpType)tag, content.ToArray());
            default:
                throw new SnmpDecodeException($"unknown value type 0x{tag:X2}.");
        }
    }

    public Oid ReadOid() => DecodeOid(ReadExpected((byte)SnmpType.ObjectIdentifier, "OBJECT IDENTIFIER"));

    public static long DecodeSigned(ReadOnlySpan<byte> content, string what)
    {
        if (content.IsEmpty || content.Length > 8)
        {
            throw new SnmpDecodeException($"{what} has {content.Length} octets.");
        }
        long value = (sbyte)content[0];
        for (var i = 1; i < content.Length; i++)
        {
            value = (value << 8) | content[i];
        }
        return value;
    }

    public static ulong DecodeUnsigned64(ReadOnlySpan<byte> content)
    {
        if (content.Length == 9 && content[0] == 0)
        {
            content = content[1..];
        }
        if (content.IsEmpty || content.Length > 8)
        {
            throw new SnmpDecodeException("Counter64 is out of range.");
        }
        ulong value = 0;
        foreach (var octet in content)
        {
            value = (value << 8) | octet;
        }
        return value;
    }

    public static Oid DecodeOid(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
        {
            throw new SnmpDecodeException("empty OBJECT IDENTIFIER.");
        }
        Span<uint> arcs = stackalloc uint[Oid.MaxArcs];
        var count = 0;
        var position = 0;
        while (position < content.Length)
        {
            ulong value = 0;
            var octets = 0;
            byte octet;
            do
            {
                if (position == content.Length)
                {
                    throw new SnmpDecodeException("OBJECT IDENTIFIER ends inside a sub-identifier.");
                }
                octet = content[position++];
                if (octets == 0 && octet == 0x80)
                {
                    throw new SnmpDecodeException("OBJECT IDENTIFIER sub-identifier has a leading zero octet.");
                }
                value = (value << 7) | (uint)(octet & 0x7F);
                if (++octets > 5 || value > uint.MaxValue + 80UL)
                {
                    throw new SnmpDecodeException("OBJECT IDENTIFIER arc exceeds 32 bits.");
                }
            }
            while ((octet & 0x80) != 0);

            if (count == 0)
            {
                // The first sub-identifier packs two arcs: 40 * X + Y, with X in 0..2.
                var first = value < 40 ? 0u : value < 80 ? 1u : 2u;
                var second = value - first * 40;
                if (second > uint.MaxValue)
                {
                    throw new SnmpDecodeException("OBJECT IDENTIFIER arc exceeds 32 bits.");
                }
                arcs[count++] = first;
                arcs[count++] = (uint)second;
            }
            else
            {
                if (value > uint.MaxValue)
                {
                    throw new SnmpDecodeException("OBJECT IDENTIFIER arc exceeds 32 bits.");
                }
                if (count == Oid.MaxArcs)
                {
                    throw new SnmpDecodeException($"OBJECT IDENTIFIER has more than {Oid.MaxArcs} arcs.");
                }
                arcs[count++] = (uint)value;
            }
        }
        return new Oid(arcs[..count]);
    }
}
