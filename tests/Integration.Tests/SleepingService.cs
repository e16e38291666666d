using Docker.DotNet.Models;

namespace PretixOps.Integration.Tests;

/// <summary>A throwaway swarm service: busybox sleeping, on the host network (this machine has no IPVS for overlays' VIPs).</summary>
public static class SleepingService
{
    public static ServiceCreateParameters Spec(string name, ulong replicas) => new()
    {
        Service = new ServiceSpec
        {
            Name = name,
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = replicas } },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec { Image = Infrastructure.BusyboxImage, Command = ["sleep", "3600"] },
                Networks = [new NetworkAttachmentConfig { Target = "host" }],
            },
        },
    };
}
