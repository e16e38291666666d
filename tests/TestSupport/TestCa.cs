using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PretixOps.TestSupport;

/// <summary>
/// A certificate authority made for one test, in a folder of its own: its certificate as a PEM file (what a client is
/// told to trust) and server certificates it issues, each as a certificate file and a key file (what a server serves).
/// </summary>
public sealed class TestCa : IDisposable
{
    private readonly RSA _key;

    private TestCa(string name)
    {
        Folder = Directory.CreateTempSubdirectory("pretixops-ca-").FullName;
        _key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CertificateFile = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(CertificateFile, Certificate.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>The CA's certificate, PEM.</summary>
    public string CertificateFile { get; }

    public static TestCa Create(string name = "PretixOps test CA") => new(name);

    /// <summary>
    /// A server certificate for <paramref name="names"/> (DNS names or IP addresses), written to
    /// <c>STEM-cert.pem</c> and <c>STEM-key.pem</c> in the CA's folder (over what was there).
    /// </summary>
    public Issued Issue(string stem, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={names.FirstOrDefault() ?? stem}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternative.AddIpAddress(address);
            }
            else
            {
                alternative.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternative.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-1), Certificate.NotAfter.AddHours(-1), serial);
        var result = new Issued(Path.Combine(Folder, $"{stem}-cert.pem"), Path.Combine(Folder, $"{stem}-key.pem"), issued.Thumbprint);
        File.WriteAllText(result.KeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(result.CertificateFile, issued.ExportCertificatePem());
        return result;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>An issued certificate's files and its thumbprint (what a client sees served).</summary>
    public sealed record Issued(string CertificateFile, string KeyFile, string Thumbprint);
}
