using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// Which hosts to poll: the configured ones, and every node that has at least one registered instance. When a
/// node's last instance leaves (deregistered or expired), the node stays for a grace period, so a rolling update
/// that moves a task away and back does not make its host metrics vanish and return.
/// </summary>
public sealed class HostDirectory
{
    private static readonly TimeSpan TombstoneRetention = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private readonly SnmpPollerOptions _options;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, PolledHost> _static = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly NewestWinsRegistry<string> _instances = new(); // the node of each instance

    public HostDirectory(IOptions<SnmpPollerOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _clock = clock;
        foreach (var host in _options.Hosts)
        {
            _static[host.Name] = new PolledHost(host.Name, host.Address ?? host.Name, host.Port, host.Auth,
                host.Interval ?? _options.Interval, IsStatic: true);
        }
    }

    public void Apply(InstanceRegistered registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (!_options.Discovery.Enabled || registration.Node is null)
        {
            return;
        }
        lock (_lock)
        {
            // An older registration arriving after a newer one or after the deregistration changes nothing.
            if (!_instances.Set(registration.InstanceId, registration.Node, registration.RegisteredAt, out var known))
            {
                return;
            }
            if (known is not null && !string.Equals(known, registration.Node, StringComparison.OrdinalIgnoreCase))
            {
                Leave(registration.InstanceId, known);
            }
            if (!_nodes.TryGetValue(registration.Node, out var node))
            {
                _nodes[registration.Node] = node = new Node();
            }
            node.Instances.Add(registration.InstanceId);
            node.EmptySince = null;
        }
    }

    public void Apply(InstanceDeregistered deregistration)
    {
        ArgumentNullException.ThrowIfNull(deregistration);
        lock (_lock)
        {
            if (_instances.Remove(deregistration.InstanceId, deregistration.At, out var known))
            {
                Leave(deregistration.InstanceId, known);
            }
        }
    }

    /// <summary>Forgets nodes whose grace period is over; returns how many.</summary>
    public int Sweep()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            var expired = _nodes.Where(n => n.Value.EmptySince is { } since && now - since >= _options.Discovery.GracePeriod)
                .Select(n => n.Key).ToList();
            foreach (var name in expired)
            {
                _nodes.Remove(name);
            }
            _instances.ForgetRemovalsBefore(now - TombstoneRetention);
            return expired.Count;
        }
    }

    /// <summary>The hosts to poll now. A node with the name of a configured host is that host, polled once.</summary>
    public IReadOnlyList<PolledHost> Snapshot()
    {
        lock (_lock)
        {
            var discovery = _options.Discovery;
            var hosts = new List<PolledHost>(_static.Values);
            foreach (var name in _nodes.Keys)
            {
                if (!_static.ContainsKey(name))
                {
                    hosts.Add(new PolledHost(name, name, discovery.Port, discovery.Auth, discovery.Interval ?? _options.Interval, IsStatic: false));
                }
            }
            return hosts;
        }
    }

    /// <summary>A known host by its name or address, for <c>/snmp?target=</c> to use its credentials.</summary>
    public PolledHost? Find(string nameOrAddress, int port)
    {
        var hosts = Snapshot();
        return hosts.FirstOrDefault(h => h.Port == port && string.Equals(h.Name, nameOrAddress, StringComparison.OrdinalIgnoreCase))
            ?? hosts.FirstOrDefault(h => h.Port == port && string.Equals(h.Address, nameOrAddress, StringComparison.OrdinalIgnoreCase));
    }

    private void Leave(string instanceId, string nodeName)
    {
        if (_nodes.TryGetValue(nodeName, out var node) && node.Instances.Remove(instanceId) && node.Instances.Count == 0)
        {
            node.EmptySince = _clock.GetUtcNow();
        }
    }

    private sealed class Node
    {
        public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? EmptySince { get; set; }
    }
}
