namespace PretixOps.Registration;

/// <summary>The swarm's nodes, as the Docker API lists them: the seam between a registration's <c>node</c> and Docker.</summary>
public interface ISwarmNodes
{
    /// <summary>False when nothing checks (no <c>Registration:DockerHost</c>): every node name passes.</summary>
    bool Checks { get; }

    /// <summary>Whether <paramref name="node"/> is a node's host name or id; throws when the list cannot be read.</summary>
    Task<bool> IsKnownAsync(string node, CancellationToken cancellationToken);
}
