namespace PretixOps.Snmp;

/// <summary>USM privacy protocols: RFC 3414 (CBC-DES) and RFC 3826 (CFB128-AES-128).</summary>
public enum PrivProtocol
{
    None,
    Des,
    Aes128,
}
