namespace PretixOps.Registration.Tests;

/// <summary>A swarm of the nodes given, or one whose Docker API does not answer.</summary>
internal sealed class FakeSwarmNodes(params string[] nodes) : ISwarmNodes
{
    public bool Unreachable { get; set; }

    public bool Checks => true;

    public Task<bool> IsKnownAsync(string node, CancellationToken cancellationToken) =>
        Unreachable ? throw new HttpRequestException("connection refused") : Task.FromResult(nodes.Contains(node, StringComparer.OrdinalIgnoreCase));
}
