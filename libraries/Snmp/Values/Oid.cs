using System.Globalization;
using System.Text;

namespace PretixOps.Snmp;

/// <summary>
/// An OBJECT IDENTIFIER: at least two arcs, each a 32-bit unsigned number (RFC 2578 section 7.1.3 caps
/// sub-identifiers at 2^32-1 and an OID at 128 of them). Immutable; ordered lexicographically, as an agent
/// orders its MIB for GETNEXT.
/// </summary>
public sealed class Oid : IEquatable<Oid>, IComparable<Oid>
{
    public const int MaxArcs = 128;

    private readonly uint[] _arcs;

    public Oid(ReadOnlySpan<uint> arcs)
    {
        if (arcs.Length is < 2 or > MaxArcs)
        {
            throw new ArgumentException($"an OID has 2 to {MaxArcs} arcs, not {arcs.Length}.", nameof(arcs));
        }
        if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
        {
            throw new ArgumentException("the first arc is 0, 1 or 2, and under 0 and 1 the second is at most 39.", nameof(arcs));
        }
        _arcs = arcs.ToArray();
    }

    public ReadOnlySpan<uint> Arcs => _arcs;

    public int Length => _arcs.Length;

    public uint this[int index] => _arcs[index];

    /// <summary>Parses dotted notation, with or without a leading dot.</summary>
    public static Oid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var oid) ? oid : throw new FormatException($"'{text}' is not a numeric OID such as 1.3.6.1.2.1.1.3.0.");
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Oid? oid)
    {
        oid = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var span = text.AsSpan();
        if (span[0] == '.')
        {
            span = span[1..];
        }
        var arcs = new List<uint>();
        foreach (var range in span.Split('.'))
        {
            var part = span[range];
            if (part.Length == 0 || part[0] is '+' or '-' ||
                !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var arc))
            {
                return false;
            }
            arcs.Add(arc);
        }
        if (arcs.Count is < 2 or > MaxArcs || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
        {
            return false;
        }
        oid = new Oid(arcs.ToArray());
        return true;
    }

    /// <summary>This OID followed by more arcs: a column plus a row index, for example.</summary>
    public Oid Append(params ReadOnlySpan<uint> more)
    {
        var arcs = new uint[_arcs.Length + more.Length];
        _arcs.CopyTo(arcs, 0);
        more.CopyTo(arcs.AsSpan(_arcs.Length));
        return new Oid(arcs);
    }

    /// <summary>True when this OID lies inside the subtree rooted at <paramref name="root"/> (or is the root).</summary>
    public bool StartsWith(Oid root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return _arcs.AsSpan().StartsWith(root._arcs);
    }

    /// <summary>The arcs after <paramref name="root"/>: a table row's index.</summary>
    public ReadOnlySpan<uint> SuffixAfter(Oid root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return StartsWith(root) ? _arcs.AsSpan(root.Length) : throw new ArgumentException($"{this} is not under {root}.", nameof(root));
    }

    public int CompareTo(Oid? other) => other is null ? 1 : _arcs.AsSpan().SequenceCompareTo(other._arcs);

    public bool Equals(Oid? other) => other is not null && _arcs.AsSpan().SequenceEqual(other._arcs);

    public override bool Equals(object? obj) => Equals(obj as Oid);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_arcs.AsSpan()));
        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var text = new StringBuilder(_arcs.Length * 4);
        for (var i = 0; i < _arcs.Length; i++)
        {
            if (i > 0)
            {
                text.Append('.');
            }
            text.Append(_arcs[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    public static bool operator ==(Oid? left, Oid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Oid? left, Oid? right) => !(left == right);

    public static bool operator <(Oid left, Oid right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator >(Oid left, Oid right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator <=(Oid left, Oid right) => !(left > right);

    public static bool operator >=(Oid left, Oid right) => !(left < right);
}
