namespace PretixOps.Snmp;

/// <summary>
/// The seam between polling and the wire: SNMP GET, GETNEXT and GETBULK against one agent. Walks are built
/// on GETBULK (<see cref="SnmpWalk"/>), so a fake of this interface can play any agent, buggy ones included.
/// </summary>
public interface ISnmpClient
{
    Task<IReadOnlyList<Varbind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Varbind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Varbind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids,
        CancellationToken cancellationToken = default);
}
