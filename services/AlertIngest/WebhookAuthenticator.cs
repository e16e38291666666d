using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

/// <summary>
/// Checks one endpoint's credentials. Every comparison is constant-time over hashes (or the HMAC), so
/// neither a token's content nor its length leaks through timing. Secrets are read once and never logged.
/// </summary>
public sealed class WebhookAuthenticator
{
    private readonly byte[]? _basicHash;
    private readonly TokenSet _tokens;
    private readonly byte[]? _hmacKey;
    private readonly HmacOptions? _hmac;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedSignatures = new(StringComparer.Ordinal);

    public WebhookAuthenticator(WebhookCredentials credentials, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _clock = clock;
        if (credentials.HasBasic)
        {
            _basicHash = TokenSet.Hash($"{credentials.Username}:{Secrets.Resolve(credentials.Password, credentials.PasswordFile)}");
        }

        _tokens = new TokenSet(credentials.ResolveTokens());
        if (credentials.Hmac is { } hmac)
        {
            _hmac = hmac;
            _hmacKey = Encoding.UTF8.GetBytes(Secrets.Resolve(hmac.Secret, hmac.SecretFile)!);
        }
    }

    public bool NeedsHeaderCredentials => _basicHash is not null || _tokens.Count > 0;

    public string Challenge => _basicHash is not null
        ? "Basic realm=\"pretixops-alerts\", charset=\"UTF-8\""
        : "Bearer realm=\"pretixops-alerts\"";

    /// <summary>Basic or bearer, from the Authorization header; true when none is configured.</summary>
    public bool HeaderCredentialsValid(string authorization)
    {
        if (!NeedsHeaderCredentials)
        {
            return true;
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }

        var scheme = authorization[..space];
        var value = authorization[(space + 1)..].Trim();
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && _basicHash is not null)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                return false;
            }

            return CryptographicOperations.FixedTimeEquals(_basicHash, TokenSet.Hash(decoded));
        }

        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return _tokens.Contains(value);
        }

        return false;
    }

    /// <summary>The HMAC check; null when it passes (or none is configured), else why it failed.</summary>
    public string? SignatureProblem(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_hmac is null)
        {
            return null;
        }

        var signature = headers[_hmac.Header].ToString();
        if (signature.Length != 64)
        {
            return $"a lowercase hex HMAC-SHA256 signature is required in {_hmac.Header}.";
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return $"{_hmac.Header} is not hex.";
        }

        byte[] signed;
        var now = _clock.GetUtcNow();
        if (_hmac.TimestampHeader is { } timestampHeader)
        {
            var timestamp = headers[timestampHeader].ToString();
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                return $"{timestampHeader} must hold the unix time in seconds.";
            }

            var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (age > _hmac.MaxAge || age < -_hmac.MaxAge)
            {
                return "the signature's timestamp is too old or in the future.";
            }

            signed = [.. Encoding.UTF8.GetBytes(timestamp + ":"), .. body];
        }
        else
        {
            signed = body.ToArray();
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_hmacKey!, signed), presented))
        {
            return "the signature does not match the body.";
        }

        // Claimed atomically, so copies of one request sent at once cannot all pass; released again if the
        // request is not accepted (a 503), so the sender's retry of it is not taken for a replay.
        var key = signature.ToLowerInvariant();
        while (true)
        {
            if (_usedSignatures.TryAdd(key, now))
            {
                Prune(now);
                return null;
            }

            if (_usedSignatures.TryGetValue(key, out var used) && now - used <= _hmac.MaxAge)
            {
                return "the signature was used before.";
            }

            _usedSignatures.TryRemove(key, out _);
        }
    }

    /// <summary>Releases the signature of a request that was not accepted, so that its retry passes.</summary>
    public void Release(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_hmac is not null)
        {
            _usedSignatures.TryRemove(headers[_hmac.Header].ToString().ToLowerInvariant(), out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (_usedSignatures.Count > 10_000)
        {
            foreach (var old in _usedSignatures.Where(s => now - s.Value > _hmac!.MaxAge).Select(s => s.Key).ToList())
            {
                _usedSignatures.TryRemove(old, out _);
            }
        }
    }
}
