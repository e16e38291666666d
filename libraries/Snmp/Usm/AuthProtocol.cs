namespace PretixOps.Snmp;

/// <summary>USM authentication protocols: RFC 3414 (MD5, SHA-1) and RFC 7860 (HMAC-192-SHA-256).</summary>
public enum AuthProtocol
{
    None,
    Md5,
    Sha1,
    Sha256,
}
