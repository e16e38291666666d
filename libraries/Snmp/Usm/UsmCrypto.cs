using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace PretixOps.Snmp;

/// <summary>The USM key and cipher work: password to key, key localisation, HMAC, DES and AES.</summary>
/// <remarks>
/// MD5, SHA-1 and DES are what the RFCs and the agents in the field speak; an operator chooses the protocol per
/// host, and the README recommends SHA-256 with AES.
/// </remarks>
[SuppressMessage("Security", "CA5350", Justification = "HMAC-SHA-96 is defined by RFC 3414 and still deployed; the operator chooses it.")]
[SuppressMessage("Security", "CA5351", Justification = "HMAC-MD5-96 and CBC-DES are defined by RFC 3414 and still deployed; the operator chooses them.")]
internal static class UsmCrypto
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
