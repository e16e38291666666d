using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The certificate Kestrel serves, from <see cref="TlsOptions"/>' two files, read again when either changes: each TLS
/// handshake looks at the files' modification times (two stat calls, no watcher to miss a rename or a symlink swap),
/// so a renewed certificate is served to the next connection without a restart. A replacement that cannot be used (a
/// key written after its certificate, a half-written file) is logged and the certificate in use is kept until the
/// files change again.
/// </summary>
public sealed partial class ServerCertificate : IDisposable
{
    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private X509Certificate2 _current;
    private (Stamp Certificate, Stamp Key) _stamps;

    public ServerCertificate(string certificateFile, string keyFile, ILogger<ServerCertificate> logger)
    {
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        ArgumentNullException.ThrowIfNull(logger);
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _logger = logger;
        _stamps = (Stamp.Of(certificateFile), Stamp.Of(keyFile));
        _current = TlsOptions.Load(certificateFile, keyFile);
        LogServing(_logger, _current.Subject, _current.Thumbprint, _current.NotAfter, _certificateFile);
    }

    /// <summary>The certificate to serve now: the files' contents as of their last usable change.</summary>
    public X509Certificate2 Current
    {
        get
        {
            var stamps = (Stamp.Of(_certificateFile), Stamp.Of(_keyFile));
            if (stamps == _stamps)
            {
                return _current;
            }

            lock (_lock)
            {
                if (stamps != _stamps)
                {
                    // Taken whatever the outcome: a broken pair is tried again when the files change, not at every handshake.
                    _stamps = stamps;
                    try
                    {
                        // The certificate replaced stays alive: connections that took it may still be using it.
                        _current = TlsOptions.Load(_certificateFile, _keyFile);
                        LogServing(_logger, _current.Subject, _current.Thumbprint, _current.NotAfter, _certificateFile);
                    }
                    catch (TlsFileException e)
                    {
                        LogKept(_logger, _current.Thumbprint, $"{TlsOptions.Section}:{e.Setting}", e.Message);
                    }
                }

                return _current;
            }
        }
    }

    public void Dispose() => _current.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving HTTPS with the certificate {Subject} ({Thumbprint}), valid until {NotAfter:u}, from {File}")]
    private static partial void LogServing(ILogger logger, string subject, string thumbprint, DateTime notAfter, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The certificate files changed but cannot be used ({Setting}: {Problem}); still serving {Thumbprint}")]
    private static partial void LogKept(ILogger logger, string thumbprint, string setting, string problem);

    /// <summary>What says a file changed: where its link points, when it was written, how long it is.</summary>
    private readonly record struct Stamp(string? Target, DateTime Written, long Length)
    {
        public static Stamp Of(string path)
        {
            try
            {
                var file = new FileInfo(path);
                // Kubernetes and certbot swap a symbolic link; the target's times are what change.
                var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
                return target.Exists ? new Stamp(target.FullName, target.LastWriteTimeUtc, target.Length) : new Stamp(null, default, -1);
            }
            catch (IOException)
            {
                return new Stamp(null, default, -1);
            }
        }
    }
}
