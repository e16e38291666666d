using PretixOps.Snmp;

namespace PretixOps.Shared;

/// <summary>
/// An agent in memory: a sorted MIB answering GET, GETNEXT and GETBULK as RFC 3416 says. Compiled
/// into the protocol's walk tests and the poller's module tests alike (a linked file, as GaugeExporter is).
/// </summary>
internal sealed class MibClient(IEnumerable<Varbind> mib) : ISnmpClient
{
    private readonly SortedList<Oid, SnmpValue> _mib = new(mib.ToDictionary(v => v.Oid, v => v.Value));

    public List<IReadOnlyList<Oid>> BulkRequests { get; } = [];

    /// <summary>Cut every GETBULK response to this many bindings, as an agent does at its size limit.</summary>
    public int? Truncate { get; set; }

    public Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Varbind>>([.. oids.Select(o => new Varbind(o, _mib.TryGetValue(o, out var v) ? v : SnmpValue.NoSuchObject))]);

    public Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Varbind>>([.. oids.Select(Next)]);

    public Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
        CancellationToken cancellationToken = default)
    {
        BulkRequests.Add(oids);
        var result = new List<Varbind>();
        var cursors = oids.ToArray();
        for (var r = 0; r < maxRepetitions; r++)
        {
            for (var c = 0; c < cursors.Length; c++)
            {
                var next = Next(cursors[c]);
                result.Add(next);
                cursors[c] = next.Oid;
            }
        }
        return Task.FromResult<IReadOnlyList<Varbind>>(Truncate is { } n ? result.Take(n).ToList() : result);
    }

    private Varbind Next(Oid oid)
    {
        foreach (var (key, value) in _mib)
        {
            if (key > oid)
            {
                return new Varbind(key, value);
            }
        }
        return new Varbind(oid, SnmpValue.EndOfMibView);
    }
}
