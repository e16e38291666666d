namespace PretixOps.Snmp;

/// <summary>Walks built on GETBULK: one subtree, or several at once (the columns of a table, side by side).</summary>
public static class SnmpWalk
{
    /// <summary>Bindings one walk may return: far above any host table, far below what hurts.</summary>
    public const int MaxBindings = 100_000;

    /// <summary>GETBULK requests one walk may send: an agent that trickles one binding per answer ends here.</summary>
    public const int MaxRequests = 2_000;

    public static Task<IReadOnlyList<Varbind>> WalkAsync(this ISnmpClient client, SnmpTarget target, Oid root,
        CancellationToken cancellationToken = default) =>
        client.WalkAsync(target, [root], cancellationToken);

    /// <summary>
    /// Walks every subtree in <paramref name="roots"/> with GETBULK requests that carry all unfinished subtrees,
    /// <see cref="SnmpTarget.MaxRepetitions"/> rows each. A subtree ends at its last OID, on endOfMibView, or on an
    /// OID that does not increase: an agent bug that would otherwise loop forever.
    /// </summary>
    /// <returns>The bindings found, subtree by subtree, each in the agent's order.</returns>
    public static async Task<IReadOnlyList<Varbind>> WalkAsync(this ISnmpClient client, SnmpTarget target, IReadOnlyList<Oid> roots,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(roots);
        var found = roots.Select(_ => new List<Varbind>()).ToArray();
        var last = roots.ToArray();
        var active = Enumerable.Range(0, roots.Count).ToList();
        var count = 0;
        for (var request = 0; active.Count > 0; request++)
        {
            if (request == MaxRequests || count > MaxBindings)
            {
                // An agent that keeps inventing increasing OIDs in the subtree would otherwise never stop.
                throw new SnmpException("walk_limit",
                    $"{target} kept answering the walk of {string.Join(", ", roots)}: stopped after {request} requests and {count} bindings.");
            }
            var response = await client.GetBulkAsync(target, 0, Math.Max(1, target.MaxRepetitions),
                active.Select(i => last[i]).ToArray(), cancellationToken);
            var finished = new bool[active.Count];
            var progressed = false;
            // Bindings come row by row: the i-th belongs to the (i mod n)-th requested subtree. A response cut short
            // (the agent's size limit) simply leaves some subtrees where they were.
            for (var i = 0; i < response.Count; i++)
            {
                var column = i % active.Count;
                if (finished[column])
                {
                    continue;
                }
                var subtree = active[column];
                var binding = response[i];
                if (binding.Value.IsException || !binding.Oid.StartsWith(roots[subtree]) || binding.Oid <= last[subtree])
                {
                    finished[column] = true;
                    progressed = true;
                    continue;
                }
                found[subtree].Add(binding);
                count++;
                last[subtree] = binding.Oid;
                progressed = true;
            }
            if (!progressed)
            {
                break; // an empty response: the agent has nothing more to say
            }
            active = active.Where((_, column) => !finished[column]).ToList();
        }
        return found.SelectMany(bindings => bindings).ToArray();
    }
}
