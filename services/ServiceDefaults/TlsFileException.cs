namespace PretixOps.ServiceDefaults;

/// <summary>A certificate or key file that cannot be used, and which setting of <see cref="TlsOptions"/> named it.</summary>
public sealed class TlsFileException : Exception
{
    public TlsFileException(string setting, string message, Exception? inner = null)
        : base(message, inner) => Setting = setting;

    public TlsFileException()
    {
        Setting = "";
    }

    public TlsFileException(string message)
        : base(message) => Setting = "";

    public TlsFileException(string message, Exception innerException)
        : base(message, innerException) => Setting = "";

    /// <summary><c>CertificateFile</c> or <c>KeyFile</c>.</summary>
    public string Setting { get; }
}
