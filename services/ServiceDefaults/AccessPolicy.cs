using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Bearer-token access with an optional network allowlist: no or wrong token is 401 with
/// <c>WWW-Authenticate</c>; a right token from a network outside the allowlist is 403; a token without the role an
/// endpoint takes is 403, naming the role. The caller's identity (<see cref="Caller"/>) is what the credential says.
/// A changed credentials file is read again on the next request (at most once a second); a file that cannot be used
/// is logged and the credentials in force stay, so a botched edit locks nobody out.
/// </summary>
public sealed class AccessPolicy
{
    private static readonly TimeSpan ReloadCheck = TimeSpan.FromSeconds(1);

    private readonly AccessOptions _options;
    private readonly TokenSet _tokens;
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _reload = new();
    private CredentialTable _credentials;
    private DateTime _fileWritten;
    private long _nextCheck;

    public AccessPolicy(IOptions<AccessOptions> options, ILogger<AccessPolicy>? logger = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger ?? NullLogger<AccessPolicy>.Instance;
        _clock = clock ?? TimeProvider.System;
        _tokens = new TokenSet(_options.ResolveTokens());
        _fileWritten = WrittenAt();
        _credentials = _options.Table().Table;
        _allowed = Networks.Parse(_options.AllowedNetworks);
    }

    public IResult? Check(HttpContext context, string? role = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Authenticate(context.Request.Headers.Authorization.ToString());
        if (caller is null)
        {
            RejectedRequests.Count("unauthorized");
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"pretixops\"";
            return Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                "A valid bearer token is required: Authorization: Bearer <token>.");
        }

        if (_allowed.Count > 0 && !Networks.Contains(_allowed, context.Connection.RemoteIpAddress))
        {
            RejectedRequests.Count("forbidden_network");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                $"Requests from {context.Connection.RemoteIpAddress} are not accepted here (Auth:AllowedNetworks).");
        }

        if (role is not null && !caller.Roles.Contains(role))
        {
            RejectedRequests.Count("forbidden_role");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                caller.Name is null
                    ? $"This takes a named credential with the role '{role}' (Auth:Credentials): a shared token does not say who is asking."
                    : $"The credential '{caller.Name}' does not have the role '{role}'.");
        }

        context.Items[typeof(Caller)] = caller;
        return null;
    }

    /// <summary>The caller a bearer <c>Authorization</c> header names, or null (no header, or a token nobody holds).</summary>
    public Caller? Authenticate(string header)
    {
        ArgumentNullException.ThrowIfNull(header);
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = header[scheme.Length..].Trim();
        return Credentials().Find(TokenSet.Hash(presented)) ?? (_tokens.Contains(presented) ? Caller.Shared : null);
    }

    private CredentialTable Credentials()
    {
        if (string.IsNullOrWhiteSpace(_options.CredentialsFile) || _clock.GetUtcNow().UtcTicks < Volatile.Read(ref _nextCheck))
        {
            return Volatile.Read(ref _credentials);
        }

        lock (_reload)
        {
            Volatile.Write(ref _nextCheck, (_clock.GetUtcNow() + ReloadCheck).UtcTicks);
            var written = WrittenAt();
            if (written != _fileWritten)
            {
                _fileWritten = written;
                var (table, problems) = _options.Table();
                if (problems.Count == 0)
                {
                    Volatile.Write(ref _credentials, table);
                    _logger.LogInformation("Read {File} again: {Count} credentials in force", _options.CredentialsFile, table.Count);
                }
                else
                {
                    _logger.LogError("{File} changed but cannot be used, the credentials in force stay: {Problems}", _options.CredentialsFile,
                        string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}")));
                }
            }
        }

        return Volatile.Read(ref _credentials);
    }

    private DateTime WrittenAt() =>
        string.IsNullOrWhiteSpace(_options.CredentialsFile) ? default : File.GetLastWriteTimeUtc(_options.CredentialsFile);
}
