using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace PretixOps.SnmpPoller.Snmp;

/// <summary>USM authentication protocols: RFC 3414 (MD5, SHA-1) and RFC 7860 (HMAC-192-SHA-256).</summary>
public enum AuthProtocol
{
    None,
    Md5,
    Sha1,
    Sha256,
}

/// <summary>USM privacy protocols: RFC 3414 (CBC-DES) and RFC 3826 (CFB128-AES-128).</summary>
public enum PrivProtocol
{
    None,
    Des,
    Aes128,
}

/// <summary>The USM key and cipher work: password to key, key localisation, HMAC, DES and AES.</summary>
/// <remarks>
/// MD5, SHA-1 and DES are what the RFCs and the agents in the field speak; an operator chooses the protocol per
/// host, and the README recommends SHA-256 with AES.
/// </remarks>
[SuppressMessage("Security", "CA5350", Justification = "HMAC-SHA-96 is defined by RFC 3414 and still deployed; the operator chooses it.")]
[SuppressMessage("Security", "CA5351", Justification = "HMAC-MD5-96 and CBC-DES are defined by RFC 3414 and still deployed; the operator chooses them.")]
public static class UsmCrypto
{
    /// <summary>RFC 3414 A.2: one megabyte of the password repeated, hashed.</summary>
    private const int PasswordExpansion = 1_048_576;

    public static int MacLength(AuthProtocol protocol) => protocol switch
    {
        AuthProtocol.Md5 or AuthProtocol.Sha1 => 12,
        AuthProtocol.Sha256 => 24,
        _ => 0,
    };

    /// <summary>Ku: the user's key from a password (RFC 3414 A.2.1 and A.2.2; RFC 7860 section 4.2.2).</summary>
    public static byte[] PasswordToKey(AuthProtocol protocol, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var bytes = Encoding.UTF8.GetBytes(password);
        if (bytes.Length == 0)
        {
            throw new ArgumentException("the password is empty.", nameof(password));
        }
        using var hash = IncrementalHash.CreateHash(HashName(protocol));
        var block = new byte[64];
        var index = 0;
        for (var count = 0; count < PasswordExpansion; count += block.Length)
        {
            for (var i = 0; i < block.Length; i++)
            {
                block[i] = bytes[index++ % bytes.Length];
            }
            hash.AppendData(block);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Kul = H(Ku || engineID || Ku): the key as this one agent knows it.</summary>
    public static byte[] LocalizeKey(AuthProtocol protocol, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> engineId)
    {
        using var hash = IncrementalHash.CreateHash(HashName(protocol));
        hash.AppendData(masterKey);
        hash.AppendData(engineId);
        hash.AppendData(masterKey);
        return hash.GetHashAndReset();
    }

    /// <summary>The truncated HMAC of a whole message whose authentication parameters are zeros.</summary>
    public static byte[] ComputeMac(AuthProtocol protocol, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        var mac = protocol switch
        {
            AuthProtocol.Md5 => HMACMD5.HashData(key, message),
            AuthProtocol.Sha1 => HMACSHA1.HashData(key, message),
            AuthProtocol.Sha256 => HMACSHA256.HashData(key, message),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
        };
        return mac[..MacLength(protocol)];
    }

    /// <summary>CBC-DES (RFC 3414 section 8.1.1): the first 8 octets of the key, IV = pre-IV XOR salt.</summary>
    public static byte[] EncryptDes(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plaintext)
    {
        using var des = Des(privKey, salt, out var iv);
        // Padding octets are ignored by the receiver, which reads one BER element.
        var padded = new byte[(plaintext.Length + 7) / 8 * 8];
        plaintext.CopyTo(padded);
        return des.EncryptCbc(padded, iv, PaddingMode.None);
    }

    public static byte[] DecryptDes(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length % 8 != 0 || salt.Length != 8)
        {
            throw new SnmpDecodeException("DES ciphertext is not a multiple of 8 octets, or the salt is not 8 octets.");
        }
        using var des = Des(privKey, salt, out var iv);
        return des.DecryptCbc(ciphertext, iv, PaddingMode.None);
    }

    /// <summary>CFB128-AES-128 (RFC 3826 section 3.1): IV = engineBoots || engineTime || salt.</summary>
    public static byte[] EncryptAes(ReadOnlySpan<byte> privKey, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plaintext)
    {
        using var aes = Aes128(privKey);
        var iv = AesIv(boots, time, salt);
        return Cfb(plaintext, data => aes.EncryptCfb(data, iv, PaddingMode.None, feedbackSizeInBits: 128));
    }

    public static byte[] DecryptAes(ReadOnlySpan<byte> privKey, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ciphertext)
    {
        if (salt.Length != 8)
        {
            throw new SnmpDecodeException("the AES salt is not 8 octets.");
        }
        using var aes = Aes128(privKey);
        var iv = AesIv(boots, time, salt);
        return Cfb(ciphertext, data => aes.DecryptCfb(data, iv, PaddingMode.None, feedbackSizeInBits: 128));
    }

    /// <summary>
    /// CFB is a stream mode: the output for the first n octets does not depend on what follows. .NET only takes whole
    /// blocks, so the input is zero-padded to one and the output cut back to the input's length.
    /// </summary>
    private static byte[] Cfb(ReadOnlySpan<byte> input, Func<byte[], byte[]> transform)
    {
        var padded = new byte[(input.Length + 15) / 16 * 16];
        input.CopyTo(padded);
        return transform(padded)[..input.Length];
    }

    private static HashAlgorithmName HashName(AuthProtocol protocol) => protocol switch
    {
        AuthProtocol.Md5 => HashAlgorithmName.MD5,
        AuthProtocol.Sha1 => HashAlgorithmName.SHA1,
        AuthProtocol.Sha256 => HashAlgorithmName.SHA256,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), "no authentication protocol."),
    };

    private static DES Des(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> salt, out byte[] iv)
    {
        if (privKey.Length < 16)
        {
            throw new ArgumentException("DES needs a 16-octet localized key.", nameof(privKey));
        }
        iv = new byte[8];
        for (var i = 0; i < 8; i++)
        {
            iv[i] = (byte)(privKey[8 + i] ^ salt[i]);
        }
        var des = DES.Create();
        des.Key = privKey[..8].ToArray();
        return des;
    }

    private static Aes Aes128(ReadOnlySpan<byte> privKey)
    {
        if (privKey.Length < 16)
        {
            throw new ArgumentException("AES-128 needs a 16-octet localized key.", nameof(privKey));
        }
        var aes = Aes.Create();
        aes.Key = privKey[..16].ToArray();
        return aes;
    }

    private static byte[] AesIv(int boots, int time, ReadOnlySpan<byte> salt)
    {
        var iv = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(iv, boots);
        BinaryPrimitives.WriteInt32BigEndian(iv.AsSpan(4), time);
        salt.CopyTo(iv.AsSpan(8));
        return iv;
    }
}

/// <summary>An SNMPv3 user as configured: name, protocols and the master keys from its passwords.</summary>
public sealed class UsmUser
{
    private readonly byte[]? _authMasterKey;
    private readonly byte[]? _privMasterKey;
    private readonly ConcurrentDictionary<string, LocalizedKeys> _localized = new(StringComparer.Ordinal);

    public UsmUser(string name, AuthProtocol auth = AuthProtocol.None, string? authPassword = null,
        PrivProtocol priv = PrivProtocol.None, string? privPassword = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Encoding.UTF8.GetByteCount(name) is 0 or > 32)
        {
            throw new ArgumentException("a USM user name is 1 to 32 octets.", nameof(name));
        }
        if (priv != PrivProtocol.None && auth == AuthProtocol.None)
        {
            throw new ArgumentException("privacy needs authentication (there is no noAuthPriv level).", nameof(priv));
        }
        Name = name;
        Auth = auth;
        Priv = priv;
        if (auth != AuthProtocol.None)
        {
            _authMasterKey = UsmCrypto.PasswordToKey(auth, Required(authPassword, nameof(authPassword)));
        }
        if (priv != PrivProtocol.None)
        {
            // RFC 3414 and RFC 3826: the privacy key is derived with the authentication protocol's hash.
            _privMasterKey = UsmCrypto.PasswordToKey(auth, Required(privPassword, nameof(privPassword)));
        }
    }

    public string Name { get; }

    public AuthProtocol Auth { get; }

    public PrivProtocol Priv { get; }

    /// <summary>msgFlags bits: 1 auth, 2 priv (4, reportable, is added per request).</summary>
    public byte SecurityFlags => (byte)((Auth != AuthProtocol.None ? 1 : 0) | (Priv != PrivProtocol.None ? 2 : 0));

    public LocalizedKeys KeysFor(ReadOnlySpan<byte> engineId)
    {
        var id = Convert.ToHexString(engineId);
        if (_localized.TryGetValue(id, out var keys))
        {
            return keys;
        }
        if (_localized.Count >= 1024)
        {
            // Engine ids come from the network: a flood of made-up ones must not grow this without bound.
            _localized.Clear();
        }
        keys = new LocalizedKeys(
            _authMasterKey is null ? null : UsmCrypto.LocalizeKey(Auth, _authMasterKey, engineId),
            _privMasterKey is null ? null : UsmCrypto.LocalizeKey(Auth, _privMasterKey, engineId));
        return _localized.GetOrAdd(id, keys);
    }

    private static string Required(string? password, string parameter) =>
        string.IsNullOrEmpty(password) ? throw new ArgumentException("the password is required for this protocol.", parameter)
        : Encoding.UTF8.GetByteCount(password) < 8 ? throw new ArgumentException("USM passwords have at least 8 characters (RFC 3414 section 11.2).", parameter)
        : password;

    public override string ToString() => $"{Name} ({Auth}/{Priv})";
}

/// <summary>A user's keys localized to one engine id.</summary>
public sealed record LocalizedKeys(byte[]? AuthKey, byte[]? PrivKey);
