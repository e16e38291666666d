using System.Security.Cryptography;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The credentials in force: those of the settings (<c>Auth:Credentials</c>) and of the credentials file, by token
/// hash. One token is one identity; one name with two tokens is a rotation, and both entries must then say the same.
/// </summary>
public sealed class CredentialTable
{
    private readonly IReadOnlyList<(byte[] Hash, Caller Caller)> _entries;

    private CredentialTable(IReadOnlyList<(byte[] Hash, Caller Caller)> entries) => _entries = entries;

    public int Count => _entries.Count;

    /// <summary>
    /// The table of <paramref name="fromSettings"/> and <paramref name="fromFile"/>, after the problems that span entries;
    /// <paramref name="sharedTokens"/> are the shared tokens' hashes, which no credential may reuse.
    /// </summary>
    public static (CredentialTable Table, IReadOnlyList<(string Field, string Problem)> Problems) Build(
        IReadOnlyList<Credential> fromSettings, IReadOnlyList<Credential> fromFile, IEnumerable<byte[]> sharedTokens)
    {
        ArgumentNullException.ThrowIfNull(fromSettings);
        ArgumentNullException.ThrowIfNull(fromFile);
        var problems = new List<(string, string)>();
        var entries = new List<(byte[], Caller)>();
        var hashes = new HashSet<string>(sharedTokens.Select(Convert.ToHexString), StringComparer.Ordinal);
        var byName = new Dictionary<string, Caller>(StringComparer.Ordinal);
        var all = fromSettings.Select((c, i) => (c, Field: $"Credentials:{i}:", Json: false))
            .Concat(fromFile.Select((c, i) => (c, Field: $"CredentialsFile[{i}].", Json: true)));
        foreach (var (credential, prefix, json) in all)
        {
            if (credential.Problems().Any())
            {
                continue;
            }

            string Field(string name) => prefix + (json ? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name) : name);
            var hash = credential.ResolveHash();
            if (!hashes.Add(Convert.ToHexString(hash)))
            {
                problems.Add((Field(credential.HasHash ? nameof(Credential.Sha256) : nameof(Credential.Token)),
                    "is a token another credential (or Auth:Tokens) has already; each credential needs its own."));
                continue;
            }

            var caller = new Caller(credential.Name,
                credential.Roles.ToHashSet(StringComparer.Ordinal), credential.Services.ToHashSet(StringComparer.Ordinal));
            if (byName.TryGetValue(credential.Name!, out var earlier)
                && !(earlier.Roles.SetEquals(caller.Roles) && earlier.Services!.SetEquals(caller.Services!)))
            {
                problems.Add((Field(nameof(Credential.Roles)),
                    $"'{credential.Name}' is named by another entry with other roles or services: the entries of one name (a rotation) must say the same."));
                continue;
            }

            byName.TryAdd(credential.Name!, caller);
            entries.Add((hash, earlier ?? caller));
        }

        return (new CredentialTable(entries), problems);
    }

    /// <summary>The credential whose token hashes to <paramref name="hash"/>; every entry is compared, in constant time.</summary>
    public Caller? Find(byte[] hash)
    {
        Caller? found = null;
        foreach (var (known, caller) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(known, hash))
            {
                found = caller;
            }
        }

        return found;
    }
}
