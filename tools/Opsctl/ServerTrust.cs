using System.Net.Security;
using System.Security.Authentication;
using PretixOps.Tls;

namespace PretixOps.Opsctl;

/// <summary>
/// How opsctl checks the certificate of a server it reaches over TLS (amqps, https): against the CA file when one is
/// set (the only trust root then), else the system's store. The last refusal is kept, so an error can say why in words
/// rather than ".NET's "the SSL connection could not be established".
/// </summary>
public sealed class ServerTrust
{
    private readonly CertificateAuthority? _authority;
    private string? _lastRefusal;

    public ServerTrust(string? caFile, string source)
    {
        if (caFile is null)
        {
            return;
        }

        try
        {
            _authority = CertificateAuthority.Load(caFile);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OpsctlException($"the CA file {caFile} cannot be used ({source}): {e.Message}", e);
        }
    }

    /// <summary>The CA file in force, or null (the system's store).</summary>
    public string? CaFile => _authority?.File;

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? LastRefusal => Volatile.Read(ref _lastRefusal);

    public RemoteCertificateValidationCallback Callback => _authority is not null
        ? _authority.Callback(Refused)
        : (_, _, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            Refused($"its certificate does not pass the system's trust store ({errors}); give its CA with --ca-file");
            return false;
        };

    /// <summary>An HTTP handler that checks certificates this way.</summary>
    public SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = Callback;
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        return handler;
    }

    /// <summary>What a failed request or connection says, with the refusal in words when TLS was the cause.</summary>
    public string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return $"TLS refused: {LastRefusal ?? inner.Message}";
            }
        }

        return e.Message;
    }

    private void Refused(string reason) => Volatile.Write(ref _lastRefusal, reason);
}
