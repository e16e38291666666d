using System.Text.Json;

namespace PretixOps.Opsctl;

/// <summary>
/// Where opsctl connects and with what. Each setting comes from a flag, else the environment, else the config
/// file (<c>--config</c>, <c>$OPSCTL_CONFIG</c>, or <c>~/.config/opsctl/config.json</c>), else a default. The
/// services' own <c>Messaging__*</c> variables are understood too, so opsctl works inside a service's container.
/// Secrets (the broker password, the API token) are read from files or the environment and never printed.
/// </summary>
public sealed record OpsctlSettings(
    string BrokerHost,
    int BrokerPort,
    string VirtualHost,
    string Username,
    string? Password,
    Uri Management,
    Uri Scaler,
    Uri Registration,
    string? Token,
    string StateDirectory)
{
    public sealed record Flags(string? Broker, string? PasswordFile, string? Management, string? Scaler, string? Registration,
        string? TokenFile, string? ConfigFile);

    private sealed record FileSettings(string? Broker, string? PasswordFile, string? Management, string? Scaler, string? Registration,
        string? TokenFile, string? StateDirectory);

    private static readonly JsonSerializerOptions FileOptions = new() { PropertyNameCaseInsensitive = true };

    public static OpsctlSettings Resolve(Flags flags, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);
        var file = ReadFile(flags.ConfigFile ?? environment("OPSCTL_CONFIG"));

        // The broker as a URI (amqp://user@host:port/vhost), or the services' variables.
        var brokerText = flags.Broker ?? environment("OPSCTL_BROKER") ?? file?.Broker;
        string host;
        int port;
        string vhost;
        string user;
        if (brokerText is not null)
        {
            if (!Uri.TryCreate(brokerText, UriKind.Absolute, out var broker) || broker.Scheme != "amqp")
            {
                throw new OpsctlException("--broker must look like amqp://user@host:5672/vhost.");
            }
            host = broker.Host;
            port = broker.IsDefaultPort || broker.Port < 0 ? 5672 : broker.Port;
            vhost = broker.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(broker.AbsolutePath[1..]) : "/";
            user = broker.UserInfo.Length > 0 ? Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]) : "guest";
            if (broker.UserInfo.Contains(':', StringComparison.Ordinal))
            {
                throw new OpsctlException("put the broker password in a file (--password-file) or OPSCTL_PASSWORD, not in the URI.");
            }
        }
        else
        {
            host = environment("Messaging__Host") ?? "localhost";
            port = int.TryParse(environment("Messaging__Port"), out var p) ? p : 5672;
            vhost = environment("Messaging__VirtualHost") ?? "/";
            user = environment("Messaging__Username") ?? "guest";
        }

        var passwordFile = flags.PasswordFile ?? environment("OPSCTL_PASSWORD_FILE") ?? file?.PasswordFile ?? environment("Messaging__PasswordFile");
        var password = passwordFile is not null ? ReadSecret(passwordFile, "password file")
            : environment("OPSCTL_PASSWORD") ?? environment("Messaging__Password");
        var tokenFile = flags.TokenFile ?? environment("OPSCTL_TOKEN_FILE") ?? file?.TokenFile;
        var token = tokenFile is not null ? ReadSecret(tokenFile, "token file") : environment("OPSCTL_TOKEN");

        return new OpsctlSettings(host, port, vhost, user, password,
            ParseUrl(flags.Management ?? environment("OPSCTL_MANAGEMENT") ?? file?.Management ?? $"http://{host}:15672", "--management"),
            ParseUrl(flags.Scaler ?? environment("OPSCTL_SCALER") ?? file?.Scaler ?? "http://localhost:5105", "--scaler"),
            ParseUrl(flags.Registration ?? environment("OPSCTL_REGISTRATION") ?? file?.Registration ?? "http://localhost:5101", "--registration"),
            token,
            environment("OPSCTL_STATE_DIR") ?? file?.StateDirectory ?? Path.Combine(
                environment("XDG_STATE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
                "opsctl"));
    }

    /// <summary>A connection to the broker, or one readable line saying why not.</summary>
    public async Task<RabbitMQ.Client.IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = BrokerHost,
            Port = BrokerPort,
            VirtualHost = VirtualHost,
            UserName = Username,
            Password = Password ?? "guest",
            ClientProvidedName = "opsctl",
        };
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
        {
            throw new OpsctlException($"cannot reach RabbitMQ at {BrokerHost}:{BrokerPort} as {Username}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>What the settings say, for <c>--verbose</c>: never a secret, only whether one is set.</summary>
    public override string ToString() =>
        $"broker amqp://{Username}@{BrokerHost}:{BrokerPort}/{Uri.EscapeDataString(VirtualHost)} (password {(Password is null ? "not set" : "set")}), " +
        $"management {Management}, scaler {Scaler}, registration {Registration} (token {(Token is null ? "not set" : "set")})";

    private static FileSettings? ReadFile(string? path)
    {
        var explicitPath = path is not null;
        path ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "opsctl", "config.json");
        if (!File.Exists(path))
        {
            return explicitPath ? throw new OpsctlException($"config file {path} does not exist.") : null;
        }
        try
        {
            return JsonSerializer.Deserialize<FileSettings>(File.ReadAllText(path), FileOptions);
        }
        catch (JsonException e)
        {
            throw new OpsctlException($"config file {path} is not valid JSON: {e.Message}", e);
        }
    }

    private static string ReadSecret(string path, string what) =>
        File.Exists(path) ? File.ReadAllText(path).TrimEnd('\r', '\n') : throw new OpsctlException($"the {what} {path} does not exist.");

    private static Uri ParseUrl(string text, string flag) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url : throw new OpsctlException($"{flag} must be an http(s) URL such as http://host:port/.");
}
