using System.Text.Json;
using Microsoft.Extensions.Options;
using PretixOps.DiscoveryWriter.Files;

namespace PretixOps.DiscoveryWriter.State;

/// <summary>
/// The registry on disk (<c>StateDirectory/registry.json</c>), written atomically after every batch of
/// changes and before any message of the batch is acknowledged: a restart or <c>kill -9</c> loses nothing
/// that was acknowledged, and expiry times survive with the entries.
/// </summary>
public sealed class RegistryStore(IFileStore writer, IOptions<DiscoveryOptions> options, ILogger<RegistryStore> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _statePath = Path.Combine(options.Value.StateDirectory, "registry.json");

    public Registry Load()
    {
        var bytes = writer.ReadOrNull(_statePath);
        if (bytes is null)
        {
            logger.LogInformation("No saved registry at {Path}: starting empty", _statePath);
            return new Registry();
        }

        var state = JsonSerializer.Deserialize<RegistryState>(bytes, Json)
            ?? throw new InvalidDataException($"{_statePath} holds no registry.");
        logger.LogInformation("Restored {Count} instances from {Path}", state.Entries.Count, _statePath);
        return Registry.FromState(state);
    }

    public void Save(Registry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        writer.WriteIfChanged(_statePath, JsonSerializer.SerializeToUtf8Bytes(registry.ToState(), Json));
    }
}
