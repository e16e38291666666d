using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PretixOps.Tls;

/// <summary>
/// The certificate authority a client trusts for a peer, read from a PEM file (a Docker secret, the local CA of
/// deploy/local/infra.sh): a server certificate is accepted when it chains to a certificate in that file (the only
/// trust root: the system's store plays no part), is valid now, and carries the name the client asked for.
/// </summary>
public sealed class CertificateAuthority
{
    private readonly X509Certificate2Collection _roots;

    private CertificateAuthority(string file, X509Certificate2Collection roots)
    {
        File = file;
        _roots = roots;
    }

    /// <summary>The PEM file the roots came from, for messages.</summary>
    public string File { get; }

    /// <summary>The certificates of <paramref name="file"/>, or an exception whose message says what is wrong with the file.</summary>
    public static CertificateAuthority Load(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidDataException($"cannot read {file}: {e.Message}", e);
        }

        return roots.Count == 0
            ? throw new InvalidDataException($"{file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
            : new CertificateAuthority(file, roots);
    }

    /// <summary>What is wrong with a CA file setting, naming the setting; null when it can be used.</summary>
    public static string? Problem(string setting, string? file)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return null;
        }

        if (!System.IO.File.Exists(file))
        {
            return $"{setting} names a file that does not exist: {file}";
        }

        try
        {
            Load(file);
            return null;
        }
        catch (InvalidDataException e)
        {
            return $"{setting}: {e.Message}";
        }
    }

    /// <summary>
    /// Whether the certificate a server presented is one this authority vouches for; <paramref name="reason"/> says why
    /// not, in words an operator can act on. <paramref name="errors"/> are the TLS stack's own findings: its name check
    /// is kept, its chain verdict (against the system's store) is replaced by one against this authority.
    /// </summary>
    public bool Accepts(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, out string? reason)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            reason = "the server presented no certificate";
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reason = $"its certificate ({leaf.Subject}) is not for the name asked for";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        // A private CA publishes no revocation list; a leaked key is answered by a new CA file and new certificates.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The intermediates the server sent with its certificate.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(leaf))
        {
            reason = null;
            return true;
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        reason = $"its certificate ({leaf.Subject}, issued by {leaf.Issuer}) does not chain to the CA in {File}: {status}";
        return false;
    }

    /// <summary>
    /// A validation callback for <see cref="SslStream"/>, RabbitMQ's client and <see cref="HttpClient"/>'s handler;
    /// <paramref name="refused"/> hears why a certificate was refused.
    /// </summary>
    public RemoteCertificateValidationCallback Callback(Action<string> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return (_, certificate, chain, errors) =>
        {
            if (Accepts(certificate, chain, errors, out var reason))
            {
                return true;
            }

            refused(reason!);
            return false;
        };
    }
}
