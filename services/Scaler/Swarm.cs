using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Prometheus;

namespace PretixOps.Scaler;

/// <summary>
/// The seam to Docker Swarm. The whole Engine API surface the Scaler uses: <c>GET /services/{name}</c>
/// (inspect) and <c>POST /services/{id}/update?version=N</c> (update); an allowlisting proxy in front of
/// the socket needs to let through only these two.
/// </summary>
public interface ISwarm
{
    Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken);

    /// <summary>Sets the replica count, changing nothing else of the spec; false when another update came first (out of sequence).</summary>
    Task<bool> TrySetReplicasAsync(ServiceState state, int replicas, CancellationToken cancellationToken);
}

/// <summary>What the Scaler needs of a service: its replica count, mode and the version its next update must name.</summary>
public sealed record ServiceState(string Id, string Name, int Replicas, bool Global, ulong Version, ServiceSpec Spec);

public sealed class DockerSwarm(IOptions<ScalerOptions> options) : ISwarm, IDisposable
{
    private static readonly Histogram ApiSeconds = Metrics.CreateHistogram(
        "pretixops_scaler_docker_seconds", "Engine API call latency.", "call");

    private static readonly Counter ApiErrors = Metrics.CreateCounter(
        "pretixops_scaler_docker_errors_total", "Engine API calls that failed.", "call");

    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(options.Value.DockerHost)).CreateClient();

    public async Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            using (ApiSeconds.WithLabels("inspect").NewTimer())
            {
                var found = await _docker.Swarm.InspectServiceAsync(service, cancellationToken);
                var replicated = found.Spec.Mode?.Replicated;
                return new ServiceState(found.ID, found.Spec.Name, (int)(replicated?.Replicas ?? 0), replicated is null, found.Version.Index, found.Spec);
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DockerServiceNotFoundException(service, ex);
        }
        catch (Exception)
        {
            ApiErrors.WithLabels("inspect").Inc();
            throw;
        }
    }

    public async Task<bool> TrySetReplicasAsync(ServiceState state, int replicas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Spec.Mode.Replicated.Replicas = (ulong)replicas;
        try
        {
            using (ApiSeconds.WithLabels("update").NewTimer())
            {
                await _docker.Swarm.UpdateServiceAsync(state.Id,
                    new ServiceUpdateParameters { Service = state.Spec, Version = (long)state.Version }, cancellationToken);
            }

            return true;
        }
        catch (DockerApiException ex) when (ex.ResponseBody.Contains("out of sequence", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        catch (Exception)
        {
            ApiErrors.WithLabels("update").Inc();
            throw;
        }
    }

    public void Dispose() => _docker.Dispose();
}

/// <summary>Docker says the service does not exist: scaling it can never succeed.</summary>
public sealed class DockerServiceNotFoundException(string service, Exception inner)
    : ServiceDefaults.PermanentMessageException($"Docker has no service named {service}.", inner);
