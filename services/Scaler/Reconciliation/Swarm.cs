using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;
using Prometheus;

namespace PretixOps.Scaler.Reconciliation;

/// <summary>
/// The seam to Docker Swarm. The whole Engine API surface the Scaler uses: <c>GET /services</c> (list),
/// <c>GET /services/{name}</c> (inspect) and <c>POST /services/{id}/update?version=N</c> (update); an allowlisting
/// proxy in front of the socket needs to let through only these three.
/// </summary>
public interface ISwarm
{
    /// <exception cref="ServiceNotFoundException">Docker has no such service.</exception>
    Task<ServiceState> InspectAsync(string service, CancellationToken cancellationToken);

    /// <summary>Every service Docker has, by name: one call however many the policy names.</summary>
    Task<IReadOnlyDictionary<string, ServiceState>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sets the replica count and the given service labels in one versioned update, changing nothing else of the
    /// spec; false when another update came first (out of sequence).
    /// </summary>
    Task<bool> TryUpdateAsync(ServiceState state, int replicas, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);
}

/// <summary>What the Scaler needs of a service: its replica count, mode, labels and the version its next update must name.</summary>
public sealed record ServiceState(string Id, string Name, int Replicas, bool Global, ulong Version, ServiceSpec Spec)
{
    public IReadOnlyDictionary<string, string> Labels => Spec.Labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>();

    public static ServiceState Of(SwarmService found)
    {
        ArgumentNullException.ThrowIfNull(found);
        var replicated = found.Spec.Mode?.Replicated;
        return new ServiceState(found.ID, found.Spec.Name, (int)(replicated?.Replicas ?? 0), replicated is null, found.Version.Index, found.Spec);
    }
}

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

/// <summary>The Engine API client: the local socket, or TCP with TLS client certificates (mutual TLS, as <c>dockerd --tlsverify</c> wants).</summary>
public static class DockerClients
{
    public static DockerClient Create(ScalerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = new Uri(options.DockerHost);
        if (!options.UsesTls)
        {
            return new DockerClientConfiguration(endpoint).CreateClient();
        }

        var ca = X509CertificateLoader.LoadCertificateFromFile(options.TlsCaFile!);
        var client = X509Certificate2.CreateFromPemFile(options.TlsCertFile!, options.TlsKeyFile!);
        var credentials = new Docker.DotNet.X509.CertificateCredentials(client)
        {
            // The daemon's certificate must chain to the configured CA (and only to it) and name the host.
            ServerCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        };
        return new DockerClientConfiguration(new UriBuilder(endpoint) { Scheme = "https" }.Uri, credentials).CreateClient();
    }
}

/// <summary>Docker says the service does not exist (yet: it is looked for again at every reconcile).</summary>
public sealed class ServiceNotFoundException(string service, Exception inner) : Exception($"Docker has no service named {service}.", inner);
