using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

public sealed class DockerSwarm(IOptions<ScalerOptions> options) : ISwarm, IDisposable
{
    private static readonly Histogram ApiSeconds = Metrics.CreateHistogram(
        "pretixops_scaler_docker_seconds", "Engine API call latency.", "call");

    private static readonly Counter ApiErrors = Metrics.CreateCounter(
        "pretixops_scaler_docker_errors_total", "Engine API calls that failed.", "call");

    private readonly DockerClient _docker = DockerClients.Create(options.Value);

    public async Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            using (ApiSeconds.WithLabels("inspect").NewTimer())
            {
                return ServiceState.Of(await _docker.Swarm.InspectServiceAsync(service, cancellationToken));
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ServiceNotFoundException(service, ex);
        }
        catch (Exception)
        {
            ApiErrors.WithLabels("inspect").Inc();
            throw;
        }
    }

    public async Task<IReadOnlyDictionary<string, ServiceState>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            using (ApiSeconds.WithLabels("list").NewTimer())
            {
                var services = await _docker.Swarm.ListServicesAsync(cancellationToken: cancellationToken);
                return services.Select(ServiceState.Of).ToDictionary(s => s.Name, StringComparer.Ordinal);
            }
        }
        catch (Exception)
        {
            ApiErrors.WithLabels("list").Inc();
            throw;
        }
    }

    public async Task<bool> TryUpdateAsync(ServiceState state, int replicas, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(labels);
        // The spec as inspected, with only the count and our labels changed: an operator's labels or image stay.
        var spec = state.Spec;
        spec.Mode.Replicated.Replicas = (ulong)replicas;
        spec.Labels = new Dictionary<string, string>(spec.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            spec.Labels[key] = value;
        }

        try
        {
            using (ApiSeconds.WithLabels("update").NewTimer())
            {
                await _docker.Swarm.UpdateServiceAsync(state.Id,
                    new ServiceUpdateParameters { Service = spec, Version = (long)state.Version }, cancellationToken);
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
