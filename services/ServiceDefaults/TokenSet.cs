using System.Security.Cryptography;
using System.Text;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Bearer tokens, kept as SHA-256 hashes and matched in constant time (every token is compared, and the
/// hashes have one length), so neither a token's content nor its length leaks through timing.
/// </summary>
public sealed class TokenSet
{
    public const int MinimumLength = 16;

    private readonly byte[][] _hashes;

    public TokenSet(IEnumerable<string> tokens) => _hashes = [.. tokens.Select(Hash)];

    public int Count => _hashes.Length;

    /// <summary>What is wrong with a token setting pair, naming the settings, never a token.</summary>
    public static string? Problem(IEnumerable<string> tokens, string? file)
    {
        if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
        {
            return $"TokensFile names a file that does not exist: {file}";
        }

        return Secrets.ReadList(tokens, file).Any(t => t.Length < MinimumLength)
            ? $"every token must be at least {MinimumLength} characters long."
            : null;
    }

    public bool Contains(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var hash = Hash(presented);
        var match = false;
        foreach (var known in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(known, hash);
        }

        return match;
    }

    public static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
