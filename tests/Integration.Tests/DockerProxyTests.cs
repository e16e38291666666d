using System.Net;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using PretixOps.Contracts;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The stack's docker-proxy (Debian's haproxy with deploy/docker-proxy/haproxy.cfg as it is) in front of the real
/// dockerd: the calls the Scaler needs get through, with or without the API version in the path, and anything else is
/// answered 403 by the proxy before dockerd sees it. Where a refused call would do harm if it got through, it is one
/// dockerd would refuse anyway (no --force, an image that does not exist), so a broken allow-list fails the test
/// without breaking the shared swarm.
/// </summary>
public sealed class DockerProxyTests : IAsyncLifetime
{
    /// <summary>The API version of Debian's dockerd (20.10): the prefix a client that pins it sends.</summary>
    private static readonly System.Version ApiVersion = new(1, 41);

    private readonly DockerClient _direct = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();
    private readonly List<string> _services = [];
    private DockerProxyProcess _proxy = null!;

    public async Task InitializeAsync() => _proxy = await DockerProxyProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
        {
            await _direct.Swarm.RemoveServiceAsync(service);
        }

        await _proxy.DisposeAsync();
        _direct.Dispose();
    }

    [Fact]
    public async Task The_config_is_valid_as_the_stack_deploys_it_and_as_the_tests_run_it()
    {
        var asDeployed = await Cli.RunAsync(DockerProxyProcess.Binary, ["-c", "-f", DockerProxyProcess.Config]);
        var asTested = await Cli.RunAsync(DockerProxyProcess.Binary, ["-c", "-f", DockerProxyProcess.Config], DockerProxyProcess.Environment(Ports.Free()));

        Assert.True(asDeployed.ExitCode == 0, asDeployed.Output);
        Assert.True(asTested.ExitCode == 0, asTested.Output);
    }

    [Fact]
    public async Task Node_list_service_inspect_task_list_and_a_service_update_get_through_and_the_update_lands_in_the_swarm()
    {
        var name = await CreateServiceAsync(replicas: 1);
        using var docker = _proxy.Client();
        using var versioned = _proxy.Client(ApiVersion);

        Assert.NotEmpty(await docker.Swarm.ListNodesAsync());
        Assert.NotEmpty(await versioned.Swarm.ListNodesAsync());
        Assert.Contains(await docker.Swarm.ListServicesAsync(), s => s.Spec.Name == name);
        var service = await versioned.Swarm.InspectServiceAsync(name);
        Assert.Equal(name, (await docker.Swarm.InspectServiceAsync(service.ID)).Spec.Name);

        service.Spec.Mode.Replicated.Replicas = 2;
        await versioned.Swarm.UpdateServiceAsync(service.ID, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index });

        // The count as dockerd itself holds it, and its tasks as the proxy lists them.
        Assert.Equal(2UL, (await _direct.Swarm.InspectServiceAsync(name)).Spec.Mode.Replicated.Replicas);
        var running = await Eventually.ValueAsync(
            async () => (await docker.Tasks.ListAsync(TasksOf(name))).Count(t => t.Status.State == TaskState.Running),
            count => count == 2);
        Assert.Equal(2, running);
        Assert.Equal(2, (await versioned.Tasks.ListAsync(TasksOf(name))).Count(t => t.DesiredState == TaskState.Running));
    }

    [Fact]
    public async Task A_container_create_is_refused_and_no_container_is_made()
    {
        var name = $"itest-proxy-{Guid.NewGuid():N}"[..24];
        using var docker = _proxy.Client();
        using var versioned = _proxy.Client(ApiVersion);

        foreach (var client in new[] { docker, versioned })
        {
            await AssertRefusedAsync(() => client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = name,
                Image = Infrastructure.BusyboxImage,
                Cmd = ["true"],
            }));
        }

        Assert.Empty(await _direct.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
        }));
    }

    [Fact]
    public async Task An_exec_into_a_running_task_is_refused()
    {
        var name = await CreateServiceAsync(replicas: 1);
        var container = (await Eventually.ValueAsync(
            () => _direct.WithLabelAsync($"com.docker.swarm.service.name={name}"), list => list.Count == 1)).Single();
        using var docker = _proxy.Client();
        using var versioned = _proxy.Client(ApiVersion);

        foreach (var client in new[] { docker, versioned })
        {
            await AssertRefusedAsync(() => client.Exec.ExecCreateContainerAsync(container.ID, new ContainerExecCreateParameters
            {
                Cmd = ["cat", "/etc/hostname"],
                AttachStdout = true,
            }));
        }

        // dockerd itself would have made it: the refusal is the proxy's.
        var exec = await _direct.Exec.ExecCreateContainerAsync(container.ID, new ContainerExecCreateParameters { Cmd = ["true"] });
        Assert.False(string.IsNullOrEmpty(exec.ID));
    }

    [Fact]
    public async Task Image_pull_and_delete_swarm_leave_and_the_secrets_are_refused()
    {
        using var docker = _proxy.Client();
        using var versioned = _proxy.Client(ApiVersion);

        foreach (var client in new[] { docker, versioned })
        {
            await AssertRefusedAsync(() => client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = "pretixops/itest-never-pulled", Tag = "absent" }, null, new Progress<JSONMessage>()));
            await AssertRefusedAsync(() => client.Images.DeleteImageAsync("pretixops/itest-never-pulled:absent", new ImageDeleteParameters()));
            await AssertRefusedAsync(() => client.Images.ListImagesAsync(new ImagesListParameters()));
            // Without --force dockerd refuses a manager's leave anyway; the proxy answers first.
            await AssertRefusedAsync(() => client.Swarm.LeaveSwarmAsync(new SwarmLeaveParameters { Force = false }));
            await AssertRefusedAsync(() => client.Secrets.ListAsync());
            await AssertRefusedAsync(() => client.Containers.ListContainersAsync(new ContainersListParameters()));
            await AssertRefusedAsync(() => client.Swarm.InspectSwarmAsync());
        }

        // Still a swarm manager, as the allowed calls show.
        Assert.NotEmpty(await docker.Swarm.ListNodesAsync());
    }

    [Theory]
    [InlineData("GET /services/../containers/json")]
    [InlineData("GET /v1.41/services/../containers/json")]
    [InlineData("GET /services/%2e%2e/secrets")]
    [InlineData("POST /services/x/update/../../../swarm/leave")]
    [InlineData("GET //services")]
    [InlineData("GET /v1.41/v1.41/services")]
    [InlineData("DELETE /services/itest-any")]
    [InlineData("POST /services/create")]
    [InlineData("GET /services/itest-any/logs")]
    [InlineData("PUT /services")]
    public async Task A_path_that_only_looks_allowed_is_refused(string request)
    {
        // Raw, as written: HttpClient would tidy the dot segments before the proxy could see them.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _proxy.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{request} HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);

        var answer = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("docker-proxy", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scaler_reaches_docker_only_through_the_proxy_and_an_alert_scales_its_service_with_no_call_refused()
    {
        await using var harness = await ScalerHarness.StartAsync();
        var scaler = await harness.StartScalerAsync(harness.Policy(extra: new Dictionary<string, string?>
        {
            ["Scaler__DockerHost"] = _proxy.Address.ToString(),
        }));

        await harness.PublishAsync(harness.Fired("through-the-proxy"));

        Assert.Equal(3, await harness.ReplicasWhenAsync(3));
        var decisions = await ScalerHarness.DecisionsWhenAsync(scaler, d => d.Any(x => x.Outcome == ScaleOutcome.Applied));
        Assert.Contains(decisions, x => x.Outcome == ScaleOutcome.Applied && x.Trigger.Contains("through-the-proxy", StringComparison.Ordinal));
        // Every call the Scaler made went through the proxy, the update among them, and none was refused.
        var requests = _proxy.Requests;
        Assert.Contains(requests, r => r.Method == "POST" && r.Path.Contains("/update", StringComparison.Ordinal) && r.Status == 200);
        Assert.All(requests, r => Assert.True(r.Status != 403, $"refused: {r.Method} {r.Path}\n{_proxy.Log}"));
    }

    private static async Task AssertRefusedAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<DockerApiException>(call);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("refused by docker-proxy", refused.ResponseBody, StringComparison.Ordinal);
    }

    private static TasksListParameters TasksOf(string service) => new()
    {
        Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [service] = true } },
    };

    /// <summary>A throwaway busybox service, made directly on dockerd (creating one is not the proxy's to allow).</summary>
    private async Task<string> CreateServiceAsync(ulong replicas)
    {
        var name = $"itest-proxy-{Guid.NewGuid():N}"[..24];
        await _direct.Swarm.CreateServiceAsync(SleepingService.Spec(name, replicas));
        _services.Add(name);
        return name;
    }
}
