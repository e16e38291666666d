using System.Collections.Concurrent;
using System.Text;

namespace PretixOps.Snmp;

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
    internal byte SecurityFlags => (byte)((Auth != AuthProtocol.None ? 1 : 0) | (Priv != PrivProtocol.None ? 2 : 0));

    internal LocalizedKeys KeysFor(ReadOnlySpan<byte> engineId)
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
