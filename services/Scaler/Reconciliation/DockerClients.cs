using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Reconciliation;

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
