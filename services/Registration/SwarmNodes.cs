using Docker.DotNet;
using Microsoft.Extensions.Options;

namespace PretixOps.Registration;

/// <summary>
/// The node list from the Docker API (<c>GET /nodes</c>, which the socket proxy lets through), held for
/// <c>Registration:NodeCacheSeconds</c>: a registration renewed every half minute by every workload must not cost a
/// Docker call each. A node that joined is seen once the cache runs out.
/// </summary>
public sealed class SwarmNodes : ISwarmNodes, IDisposable
{
    private readonly DockerClient? _docker;
    private readonly TimeSpan _cacheFor;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private HashSet<string> _names = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public SwarmNodes(IOptions<RegistrationOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _cacheFor = TimeSpan.FromSeconds(options.Value.NodeCacheSeconds);
        if (!string.IsNullOrWhiteSpace(options.Value.DockerHost))
        {
            _docker = new DockerClientConfiguration(new Uri(options.Value.DockerHost)).CreateClient();
        }
    }

    public bool Checks => _docker is not null;

    public async Task<bool> IsKnownAsync(string node, CancellationToken cancellationToken)
    {
        if (_docker is null)
        {
            return true;
        }

        if (_clock.GetUtcNow() - _readAt > _cacheFor)
        {
            await _refresh.WaitAsync(cancellationToken);
            try
            {
                if (_clock.GetUtcNow() - _readAt > _cacheFor)
                {
                    var nodes = await _docker.Swarm.ListNodesAsync(cancellationToken);
                    _names = nodes.SelectMany(n => new[] { n.Description?.Hostname, n.ID })
                        .OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
                    _readAt = _clock.GetUtcNow();
                }
            }
            finally
            {
                _refresh.Release();
            }
        }

        return _names.Contains(node);
    }

    public void Dispose()
    {
        _docker?.Dispose();
        _refresh.Dispose();
    }
}
