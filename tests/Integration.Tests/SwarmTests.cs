using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>The local dockerd in swarm mode, driven through Docker.DotNet as the Scaler will drive it.</summary>
public sealed class SwarmTests : IDisposable
{
    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();

    public void Dispose() => _docker.Dispose();

    [Fact]
    public async Task A_replica_count_changed_through_the_engine_api_shows_in_docker_service_ls()
    {
        var name = $"itest-{Guid.NewGuid():N}"[..20];
        var created = await _docker.Swarm.CreateServiceAsync(SleepingService.Spec(name, 2));
        try
        {
            Assert.Equal("2/2", await ReplicasShownAsync(name, "2/2"));

            var service = await _docker.Swarm.InspectServiceAsync(created.ID);
            service.Spec.Mode.Replicated.Replicas = 3;
            await _docker.Swarm.UpdateServiceAsync(created.ID, new ServiceUpdateParameters
            {
                Service = service.Spec,
                Version = (long)service.Version.Index,
            });

            Assert.Equal("3/3", await ReplicasShownAsync(name, "3/3"));
        }
        finally
        {
            await _docker.Swarm.RemoveServiceAsync(created.ID);
        }
    }

    /// <summary>The REPLICAS column of <c>docker service ls</c>, as an operator reads it.</summary>
    private static Task<string> ReplicasShownAsync(string name, string wanted) =>
        Eventually.ValueAsync(
            async () =>
            {
                var result = await Cli.DockerAsync("service", "ls", "--filter", $"name={name}", "--format", "{{.Name}} {{.Replicas}}");
                Assert.Equal(0, result.ExitCode);
                var row = result.Output.Split('\n').FirstOrDefault(line => line.StartsWith(name + " ", StringComparison.Ordinal));
                return row?[(name.Length + 1)..].Trim() ?? "";
            },
            shown => shown == wanted);
}
