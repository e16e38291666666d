namespace PretixOps.Opsctl;

/// <summary>
/// Where opsctl connects and with what. Each setting comes from the first of: its flag, its <c>OPSCTL_*</c> variable,
/// the config file (<see cref="OpsctlConfig"/>), a default.
/// <list type="table">
/// <item><term>broker</term><description><c>--broker</c>, <c>$OPSCTL_BROKER</c>, <c>broker</c>, else the services'
/// own <c>Messaging__Host</c>/<c>Port</c>/<c>VirtualHost</c>/<c>Username</c>/<c>UseTls</c> (so opsctl works inside a
/// service's container, which has no config file), else <c>amqp://guest@localhost:5672/</c>. <c>amqps://</c> is AMQP
/// over TLS (port 5671 unless given).</description></item>
/// <item><term>CA file</term><description><c>--ca-file</c>, <c>$OPSCTL_CA_FILE</c>, <c>caFile</c>,
/// <c>$Messaging__CaFile</c>: the CA (PEM) that the certificates of every TLS server opsctl reaches (amqps, https) must
/// chain to, instead of the system's store.</description></item>
/// <item><term>password</term><description><c>--password-file</c>, <c>$OPSCTL_PASSWORD_FILE</c>,
/// <c>$OPSCTL_PASSWORD</c>, <c>passwordFile</c>, <c>$Messaging__PasswordFile</c>, <c>$Messaging__Password</c>.</description></item>
/// <item><term>token</term><description><c>--token-file</c>, <c>$OPSCTL_TOKEN_FILE</c>, <c>$OPSCTL_TOKEN</c>,
/// <c>tokenFile</c>.</description></item>
/// <item><term>management, scaler, registration</term><description>flag, variable, key, else
/// <c>http://&lt;broker host&gt;:15672</c> (<c>https://…:15671</c> with amqps), <c>http://localhost:5105</c>,
/// <c>http://localhost:5101</c>. Each may be <c>https://</c>.</description></item>
/// <item><term>state directory</term><description><c>$OPSCTL_STATE_DIR</c>, <c>stateDirectory</c>,
/// <c>$XDG_STATE_HOME/opsctl</c> (<c>~/.local/state/opsctl</c>).</description></item>
/// </list>
/// Secrets (the broker password, the API token) are read from files or the environment, never from the config file,
/// and never printed. A value that cannot be used is one line naming where it came from (the flag, the variable, or the
/// key and the config file).
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
    string StateDirectory,
    bool BrokerTls,
    ServerTrust Trust)
{
    public sealed record Flags(string? Broker, string? PasswordFile, string? Management, string? Scaler, string? Registration,
        string? TokenFile, string? ConfigFile, string? CaFile = null);

    /// <summary>A value and where it came from: <c>--scaler</c>, <c>$OPSCTL_SCALER</c>, or a key of the config file.</summary>
    private sealed record Setting(string Value, string Source)
    {
        public bool FromFlag => Source.StartsWith("--", StringComparison.Ordinal);

        /// <summary>Said after a message that names no source of its own; nothing when the operator typed the flag.</summary>
        public string Origin => FromFlag ? "" : $" ({Source})";
    }

    public static OpsctlSettings Resolve(Flags flags, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);
        var file = OpsctlConfig.Find(flags.ConfigFile, environment);
        Setting? Flag(string? value, string flag) => value is null ? null : new Setting(value, flag);
        Setting? Variable(string name) => environment(name) is { Length: > 0 } value ? new Setting(value, "$" + name) : null;
        Setting? Key(string key, bool isPath = false) =>
            file?[key] is null ? null : new Setting(isPath ? file.FilePath(key)! : file[key]!, file.Source(key));

        // The broker as a URI (amqp://user@host:port/vhost), or the services' variables.
        var brokerSetting = Flag(flags.Broker, "--broker") ?? Variable("OPSCTL_BROKER") ?? Key("broker");
        string host;
        int port;
        string vhost;
        string user;
        bool tls;
        if (brokerSetting is not null)
        {
            if (!Uri.TryCreate(brokerSetting.Value, UriKind.Absolute, out var broker) || broker.Scheme is not ("amqp" or "amqps"))
            {
                throw new OpsctlException($"{brokerSetting.Source} must look like amqp://user@host:5672/vhost (or amqps://user@host:5671/vhost).");
            }
            host = broker.Host;
            tls = broker.Scheme == "amqps";
            port = broker.IsDefaultPort || broker.Port < 0 ? (tls ? 5671 : 5672) : broker.Port;
            vhost = broker.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(broker.AbsolutePath[1..]) : "/";
            user = broker.UserInfo.Length > 0 ? Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]) : "guest";
            if (broker.UserInfo.Contains(':', StringComparison.Ordinal))
            {
                throw new OpsctlException($"put the broker password in a file (--password-file) or OPSCTL_PASSWORD, not in the URI{brokerSetting.Origin}.");
            }
        }
        else
        {
            host = environment("Messaging__Host") ?? "localhost";
            port = int.TryParse(environment("Messaging__Port"), out var p) ? p : 5672;
            vhost = environment("Messaging__VirtualHost") ?? "/";
            user = environment("Messaging__Username") ?? "guest";
            tls = string.Equals(environment("Messaging__UseTls"), "true", StringComparison.OrdinalIgnoreCase);
        }

        var caFile = Flag(flags.CaFile, "--ca-file") ?? Variable("OPSCTL_CA_FILE") ?? Key("caFile", isPath: true) ?? Variable("Messaging__CaFile");
        var trust = new ServerTrust(caFile?.Value, caFile?.Source ?? "");

        var password = Secret(Flag(flags.PasswordFile, "--password-file") ?? Variable("OPSCTL_PASSWORD_FILE"), Variable("OPSCTL_PASSWORD"),
            Key("passwordFile", isPath: true) ?? Variable("Messaging__PasswordFile"), "password file") ?? environment("Messaging__Password");
        var token = Secret(Flag(flags.TokenFile, "--token-file") ?? Variable("OPSCTL_TOKEN_FILE"), Variable("OPSCTL_TOKEN"),
            Key("tokenFile", isPath: true), "token file");

        return new OpsctlSettings(host, port, vhost, user, password,
            Url(Flag(flags.Management, "--management") ?? Variable("OPSCTL_MANAGEMENT") ?? Key("management")
                ?? new(tls ? $"https://{host}:15671" : $"http://{host}:15672", "--management")),
            Url(Flag(flags.Scaler, "--scaler") ?? Variable("OPSCTL_SCALER") ?? Key("scaler") ?? new("http://localhost:5105", "--scaler")),
            Url(Flag(flags.Registration, "--registration") ?? Variable("OPSCTL_REGISTRATION") ?? Key("registration") ?? new("http://localhost:5101", "--registration")),
            token,
            environment("OPSCTL_STATE_DIR") ?? Key("stateDirectory", isPath: true)?.Value ?? Path.Combine(
                environment("XDG_STATE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
                "opsctl"),
            tls,
            trust);
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
            Ssl = new RabbitMQ.Client.SslOption
            {
                Enabled = BrokerTls,
                ServerName = BrokerHost,
                Version = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                CertificateValidationCallback = Trust.Callback,
            },
        };
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
        {
            throw new OpsctlException($"cannot reach RabbitMQ at {BrokerHost}:{BrokerPort} as {Username}: {Trust.Describe(e.InnerException ?? e)}", e);
        }
    }

    /// <summary>What the settings say, for <c>--verbose</c>: never a secret, only whether one is set.</summary>
    public override string ToString() =>
        $"broker {(BrokerTls ? "amqps" : "amqp")}://{Username}@{BrokerHost}:{BrokerPort}/{Uri.EscapeDataString(VirtualHost)} (password {(Password is null ? "not set" : "set")}), " +
        $"management {Management}, scaler {Scaler}, registration {Registration} (token {(Token is null ? "not set" : "set")}), " +
        $"{(Trust.CaFile is null ? "TLS trusts the system's store" : $"TLS trusts the CA in {Trust.CaFile}")}";

    /// <summary>
    /// A secret: from the file the operator named (flag, variable), else the variable that holds it, else the file the
    /// config (or a service's environment) names. The order is the precedence: what is typed beats what is exported
    /// beats what is written down.
    /// </summary>
    private static string? Secret(Setting? file, Setting? value, Setting? configuredFile, string what) =>
        file is not null ? ReadSecret(file, what) : value?.Value ?? (configuredFile is not null ? ReadSecret(configuredFile, what) : null);

    private static string ReadSecret(Setting file, string what) =>
        File.Exists(file.Value) ? File.ReadAllText(file.Value).TrimEnd('\r', '\n') : throw new OpsctlException($"the {what} {file.Value} does not exist{file.Origin}.");

    private static Uri Url(Setting setting) =>
        Uri.TryCreate(setting.Value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url : throw new OpsctlException($"{setting.Source} must be an http(s) URL such as http://host:port/.");
}
