using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter.State;

/// <summary>What survives a restart: entries with their expiry, remembered deregistrations, and the jobs with their write counts.</summary>
public sealed record RegistryState(
    IReadOnlyList<RegisteredInstance> Entries,
    IReadOnlyDictionary<string, DateTimeOffset> Tombstones,
    IReadOnlyDictionary<string, long> Generations);
