namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// The seam to Docker Swarm. The whole Engine API surface the Scaler uses: <c>GET /services</c> (list),
/// <c>GET /services/{name}</c> (inspect) and <c>POST /services/{id}/update?version=N</c> (update); an allowlisting
/// proxy in front of the socket needs to let through only these three.
/// </summary>
public interface ISwarm
{
    /// <exception cref="ServiceNotFoundException">Docker has no such service.</exception>
    Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken);

    /// <summary>Every service Docker has, by name: one call however many the policy names.</summary>
    Task<IReadOnlyDictionary<string, ServiceState>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sets the replica count and the given service labels in one versioned update, changing nothing else of the
    /// spec; false when another update came first (out of sequence).
    /// </summary>
    Task<bool> TryUpdateAsync(ServiceState state, int replicas, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);
}
