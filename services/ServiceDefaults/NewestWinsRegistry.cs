using System.Diagnostics.CodeAnalysis;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Entries by key, where the newest change wins and removals are remembered. Changes may arrive out of order
/// (several consumers, redeliveries, a listing taken at start racing the events), so each carries its time: a
/// change older than the entry, or not newer than a remembered removal, changes nothing; a removal older than
/// the entry leaves it. Keys compare ordinally. Not thread-safe: its owner serialises access.
/// </summary>
public sealed class NewestWinsRegistry<TValue>
    where TValue : class
{
    private readonly Dictionary<string, (TValue Value, DateTimeOffset At)> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _removals = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IEnumerable<TValue> Values => _entries.Values.Select(e => e.Value);

    /// <summary>The latest removal remembered for each key.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Removals => _removals;

    public bool TryGet(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var found = _entries.TryGetValue(key, out var entry);
        value = entry.Value;
        return found;
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> as of <paramref name="at"/>, unless something newer is known.</summary>
    /// <param name="replaced">The value this one replaced, if any.</param>
    /// <returns>False when the change was older than the entry or than a remembered removal, and changed nothing.</returns>
    public bool Set(string key, TValue value, DateTimeOffset at, out TValue? replaced)
    {
        replaced = null;
        if (_removals.TryGetValue(key, out var removed) && removed >= at)
        {
            return false;
        }

        if (_entries.TryGetValue(key, out var existing))
        {
            if (existing.At > at)
            {
                return false;
            }

            replaced = existing.Value;
        }

        _entries[key] = (value, at);
        return true;
    }

    /// <summary>Remembers that <paramref name="key"/> was removed at <paramref name="at"/>, and removes its entry unless that is newer.</summary>
    /// <returns>True, with the value removed, when an entry was removed.</returns>
    public bool Remove(string key, DateTimeOffset at, [MaybeNullWhen(false)] out TValue removed)
    {
        if (!_removals.TryGetValue(key, out var previous) || previous < at)
        {
            _removals[key] = at;
        }

        if (!_entries.TryGetValue(key, out var existing) || existing.At > at)
        {
            removed = null;
            return false;
        }

        _entries.Remove(key);
        removed = existing.Value;
        return true;
    }

    /// <summary>Forgets removals older than <paramref name="olderThan"/>: a change that late is taken as new.</summary>
    public void ForgetRemovalsBefore(DateTimeOffset olderThan)
    {
        foreach (var key in _removals.Where(r => r.Value < olderThan).Select(r => r.Key).ToList())
        {
            _removals.Remove(key);
        }
    }

    /// <summary>Puts back an entry as it was saved, without comparing it with anything.</summary>
    public void Restore(string key, TValue value, DateTimeOffset at) => _entries[key] = (value, at);

    /// <summary>Puts back a removal as it was saved, without touching the entries.</summary>
    public void RestoreRemoval(string key, DateTimeOffset at) => _removals[key] = at;
}
