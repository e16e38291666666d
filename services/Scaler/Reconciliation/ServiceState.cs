using Docker.DotNet.Models;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>What the Scaler needs of a service: its replica count, mode, labels and the version its next update must name.</summary>
public sealed record ServiceState(string Id, string Name, int Replicas, bool Global, ulong Version, ServiceSpec Spec)
{
    public IReadOnlyDictionary<string, string> Labels => Spec.Labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>();

    public static ServiceState Of(SwarmService found)
    {
        ArgumentNullException.ThrowIfNull(found);
        var replicated = found.Spec.Mode?.Replicated;
        return new ServiceState(found.ID, found.Spec.Name, (int)(replicated?.Replicas ?? 0), replicated is null, found.Version.Index, found.Spec);
    }
}
