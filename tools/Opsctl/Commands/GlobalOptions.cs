using System.CommandLine;

namespace PretixOps.Opsctl.Commands;

/// <summary>The options every command takes (recursive, on the root): where opsctl connects, and how it prints.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Broker = new("--broker") { Description = "RabbitMQ as amqp://user@host:port/vhost ($OPSCTL_BROKER)", Recursive = true };
    public static readonly Option<string?> PasswordFile = new("--password-file") { Description = "File holding the broker password ($OPSCTL_PASSWORD_FILE, $OPSCTL_PASSWORD)", Recursive = true };
    public static readonly Option<string?> Management = new("--management") { Description = "Management API URL ($OPSCTL_MANAGEMENT; default http://<broker host>:15672)", Recursive = true };
    public static readonly Option<string?> Scaler = new("--scaler") { Description = "Scaler URL ($OPSCTL_SCALER; default http://localhost:5105)", Recursive = true };
    public static readonly Option<string?> Registration = new("--registration") { Description = "Registration URL ($OPSCTL_REGISTRATION; default http://localhost:5101)", Recursive = true };
    public static readonly Option<string?> TokenFile = new("--token-file") { Description = "File holding the API bearer token ($OPSCTL_TOKEN_FILE, $OPSCTL_TOKEN)", Recursive = true };
    public static readonly Option<string?> CaFile = new("--ca-file") { Description = "CA (PEM) that TLS servers' certificates must chain to: amqps, https ($OPSCTL_CA_FILE)", Recursive = true };
    public static readonly Option<string?> Config = new("--config") { Description = "Config file ($OPSCTL_CONFIG; default ~/.config/opsctl/config.json)", Recursive = true };
    public static readonly Option<bool> AsJson = new("--json") { Description = "Write JSON instead of tables", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Say more when something fails", Recursive = true };

    /// <summary>In the order the help lists them.</summary>
    public static readonly Option[] All = [Broker, PasswordFile, Management, Scaler, Registration, TokenFile, CaFile, Config, AsJson, Verbose];

    public static OpsctlSettings.Flags FlagsOf(ParseResult parse) =>
        new(parse.GetValue(Broker), parse.GetValue(PasswordFile), parse.GetValue(Management), parse.GetValue(Scaler),
            parse.GetValue(Registration), parse.GetValue(TokenFile), parse.GetValue(Config), parse.GetValue(CaFile));
}
