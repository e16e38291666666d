using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>Containers found by one label, as `docker ps --filter label=…` finds them.</summary>
internal static class DockerContainers
{
    /// <summary>Running containers with the label; <paramref name="filter"/> adds one more filter (such as health=healthy).</summary>
    public static async Task<IList<ContainerListResponse>> WithLabelAsync(
        this DockerClient docker, string label, (string Name, string Value)? filter = null, bool all = false)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool> { [label] = true },
        };
        if (filter is var (name, value))
        {
            filters[name] = new Dictionary<string, bool> { [value] = true };
        }
        return await docker.Containers.ListContainersAsync(new ContainersListParameters { All = all, Filters = filters });
    }

    /// <summary>Waits until no container, running or stopped, carries the label: what holds configs, secrets and networks is gone.</summary>
    public static Task<int> GoneAsync(this DockerClient docker, string label, TimeSpan bound) =>
        Eventually.ValueAsync(async () => (await docker.WithLabelAsync(label, all: true)).Count, count => count == 0, bound);
}
