using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller;

/// <summary>
/// Credentials for one set of agents. v2c: a community. v3: a user, its authentication protocol and password
/// (MD5, SHA, SHA256) and privacy protocol and password (DES, AES); the security level follows from which are set.
/// Every secret has a <c>...File</c> twin for Docker secrets.
/// </summary>
public sealed class SnmpAuthOptions
{
    /// <summary><c>2c</c> or <c>3</c>.</summary>
    public string Version { get; set; } = "2c";

    public string? Community { get; set; }

    public string? CommunityFile { get; set; }

    public string? Username { get; set; }

    /// <summary><c>MD5</c>, <c>SHA</c> (SHA-1) or <c>SHA256</c>; unset is noAuthNoPriv.</summary>
    public string? AuthProtocol { get; set; }

    public string? AuthPassword { get; set; }

    public string? AuthPasswordFile { get; set; }

    /// <summary><c>DES</c> or <c>AES</c> (AES-128); unset is no privacy.</summary>
    public string? PrivProtocol { get; set; }

    public string? PrivPassword { get; set; }

    public string? PrivPasswordFile { get; set; }

    public string ContextName { get; set; } = "";

    public IEnumerable<(string Setting, string Message)> Problems()
    {
        switch (Version)
        {
            case "2c":
                if (Secrets.Problem(nameof(Community), Community, CommunityFile) is { } community)
                {
                    yield return (nameof(Community), community);
                }
                break;
            case "3":
                if (string.IsNullOrEmpty(Username) || System.Text.Encoding.UTF8.GetByteCount(Username) > 32)
                {
                    yield return (nameof(Username), "SNMPv3 needs a user name of 1 to 32 octets.");
                }
                var auth = ParseAuth(AuthProtocol);
                var priv = ParsePriv(PrivProtocol);
                if (auth is null)
                {
                    yield return (nameof(AuthProtocol), $"'{AuthProtocol}' is not MD5, SHA or SHA256.");
                }
                if (priv is null)
                {
                    yield return (nameof(PrivProtocol), $"'{PrivProtocol}' is not DES or AES.");
                }
                if (priv is not (null or Snmp.PrivProtocol.None) && auth == Snmp.AuthProtocol.None)
                {
                    yield return (nameof(PrivProtocol), "privacy needs an AuthProtocol too (there is no noAuthPriv).");
                }
                foreach (var problem in PasswordProblems(nameof(AuthPassword), AuthPassword, AuthPasswordFile, auth is not (null or Snmp.AuthProtocol.None)))
                {
                    yield return problem;
                }
                foreach (var problem in PasswordProblems(nameof(PrivPassword), PrivPassword, PrivPasswordFile, priv is not (null or Snmp.PrivProtocol.None)))
                {
                    yield return problem;
                }
                break;
            default:
                yield return (nameof(Version), $"'{Version}' is not 2c or 3.");
                break;
        }
    }

    public static Snmp.AuthProtocol? ParseAuth(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => Snmp.AuthProtocol.None,
        "MD5" => Snmp.AuthProtocol.Md5,
        "SHA" or "SHA1" or "SHA-1" => Snmp.AuthProtocol.Sha1,
        "SHA256" or "SHA-256" => Snmp.AuthProtocol.Sha256,
        _ => null,
    };

    public static Snmp.PrivProtocol? ParsePriv(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => Snmp.PrivProtocol.None,
        "DES" => Snmp.PrivProtocol.Des,
        "AES" or "AES128" or "AES-128" => Snmp.PrivProtocol.Aes128,
        _ => null,
    };

    private static IEnumerable<(string, string)> PasswordProblems(string name, string? value, string? file, bool needed)
    {
        if (!needed)
        {
            if (!string.IsNullOrEmpty(value) || !string.IsNullOrEmpty(file))
            {
                yield return (name, "is set, but its protocol is not.");
            }
            yield break;
        }
        if (Secrets.Problem(name, value, file) is { } problem)
        {
            yield return (name, problem);
            yield break;
        }
        if ((Secrets.Resolve(value, file) ?? "").Length < 8)
        {
            yield return (name, "must have at least 8 characters (RFC 3414 section 11.2).");
        }
    }
}
