using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>Tls</c> section: the certificate a service serves HTTPS with, as two PEM files (a Docker secret each). With
/// both set the service listens on HTTPS only (plain HTTP is allowed on loopback alone, see <see cref="ServiceTls"/>);
/// with neither it serves plain HTTP, as the local <c>make up</c> does. The files are read again when they change.
/// </summary>
public sealed class TlsOptions : IValidatableObject
{
    public const string Section = "Tls";

    /// <summary>The server certificate (PEM); the first certificate in the file is served.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Its private key (PEM, unencrypted: PKCS#8, PKCS#1 or SEC1).</summary>
    public string? KeyFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile) && !string.IsNullOrWhiteSpace(KeyFile);

    /// <summary>Whether a configuration asks for TLS, before the options are bound (to choose the default URL's scheme).</summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[$"{Section}:{nameof(CertificateFile)}"]);
    }

    /// <summary>The pair as one certificate with its key, or an exception naming the file at fault.</summary>
    public static X509Certificate2 Load(string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(certificateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TlsFileException(nameof(CertificateFile), $"cannot read {certificateFile}: {e.Message}", e);
        }

        if (certificates.Count == 0)
        {
            throw new TlsFileException(nameof(CertificateFile), $"{certificateFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The certificate read above, so what failed is the key: missing, unreadable, encrypted, or another certificate's.
            throw new TlsFileException(nameof(KeyFile), $"cannot use {keyFile} as the key of the certificate in {nameof(CertificateFile)}: {e.Message}", e);
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasCertificate = !string.IsNullOrWhiteSpace(CertificateFile);
        var hasKey = !string.IsNullOrWhiteSpace(KeyFile);
        if (hasCertificate != hasKey)
        {
            var missing = hasCertificate ? nameof(KeyFile) : nameof(CertificateFile);
            yield return new ValidationResult($"is not set: HTTPS needs both {nameof(CertificateFile)} and {nameof(KeyFile)}.", [missing]);
            yield break;
        }

        if (!Enabled)
        {
            yield break;
        }

        foreach (var (name, file) in new[] { (nameof(CertificateFile), CertificateFile!), (nameof(KeyFile), KeyFile!) })
        {
            if (!File.Exists(file))
            {
                yield return new ValidationResult($"names a file that does not exist: {file}", [name]);
                yield break;
            }
        }

        string? problem = null;
        string? field = null;
        try
        {
            using var _ = Load(CertificateFile!, KeyFile!);
        }
        catch (TlsFileException e)
        {
            (field, problem) = (e.Setting, e.Message);
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [field!]);
        }
    }
}
