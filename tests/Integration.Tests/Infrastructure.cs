using System.Net.Sockets;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The servers `make infra` (deploy/local/infra.sh) started, read from the environment or from the
/// infra.env file it writes. A server that is not there fails the test with the way to start it: these
/// tests never skip.
/// </summary>
internal static class Infrastructure
{
    private static readonly Lazy<Dictionary<string, string>> FileSettings = new(Load);

    public static string State => Get("PRETIXOPS_STATE");
    public static string RabbitHost => Get("PRETIXOPS_RABBITMQ_HOST");
    public static int RabbitPort => int.Parse(Get("PRETIXOPS_RABBITMQ_PORT"), System.Globalization.CultureInfo.InvariantCulture);
    public static string RabbitUser => Get("PRETIXOPS_RABBITMQ_USER");
    public static string RabbitManagementPort => Get("PRETIXOPS_RABBITMQ_MGMT_PORT");
    public static string RabbitPasswordFile => Get("PRETIXOPS_RABBITMQ_PASSWORD_FILE");
    public static int RabbitTlsPort => int.Parse(Get("PRETIXOPS_RABBITMQ_TLS_PORT"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The local CA (deploy/local/infra.sh) and the certificate it issued for localhost and 127.0.0.1.</summary>
    public static string TlsCaFile => Get("PRETIXOPS_TLS_CA_FILE");
    public static string TlsCertificateFile => Get("PRETIXOPS_TLS_CERT_FILE");
    public static string TlsKeyFile => Get("PRETIXOPS_TLS_KEY_FILE");
    public static string DockerHost => Get("PRETIXOPS_DOCKER_HOST");
    public static string DockerTlsHost => Get("PRETIXOPS_DOCKER_TLS_HOST");
    public static string DockerTlsDir => Get("PRETIXOPS_DOCKER_TLS_DIR");
    public static string BusyboxImage => Get("PRETIXOPS_BUSYBOX_IMAGE");
    public static string InfraScript => Get("PRETIXOPS_INFRA_SCRIPT");
    public static string SnmpdPort => Get("PRETIXOPS_SNMPD_ENDPOINT").Split(':')[^1];
    public static string PrometheusBinary => "prometheus";

    /// <summary>The RabbitMQ management API, as <c>rabbitmqadmin</c> and the management UI use it.</summary>
    public static HttpClient Management()
    {
        var http = new HttpClient
        {
            BaseAddress = new Uri($"http://{RabbitHost}:{Get("PRETIXOPS_RABBITMQ_MGMT_PORT")}/api/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{RabbitUser}:{File.ReadAllText(RabbitPasswordFile).Trim()}"));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", credentials);
        return http;
    }

    public static async Task DeleteQueueAsync(string queue)
    {
        using var http = Management();
        try
        {
            using var response = await http.DeleteAsync(new Uri($"queues/%2F/{Uri.EscapeDataString(queue)}", UriKind.Relative));
        }
        catch (HttpRequestException)
        {
            // The broker is down (a test stopped it): its queues are not this test's problem any more.
        }
    }

    /// <summary>The settings every service needs to reach the local broker.</summary>
    public static Dictionary<string, string?> MessagingEnvironment() => new()
    {
        ["Messaging__Host"] = RabbitHost,
        ["Messaging__Port"] = RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Messaging__Username"] = RabbitUser,
        ["Messaging__PasswordFile"] = RabbitPasswordFile,
    };

    public static async Task RequireBrokerAsync()
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(RabbitHost, RabbitPort);
        }
        catch (SocketException ex)
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not answering on {RabbitHost}:{RabbitPort} ({ex.Message}). Start it with `make infra`; " +
                $"its log is under {Path.Combine(State, "logs", "rabbitmq")}.", ex);
        }
    }

    /// <summary>Stops or starts one component through the same script `make` uses.</summary>
    public static async Task InfraAsync(string command, string component)
    {
        var result = await Cli.RunAsync(InfraScript, [command, component]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra.sh {command} {component} failed:\n{result.Output}");
        }
    }

    private static string Get(string key)
    {
        var value = Environment.GetEnvironmentVariable(key);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        return FileSettings.Value.TryGetValue(key, out var fromFile)
            ? fromFile
            : throw new InvalidOperationException(
                $"{key} is not set and no infra.env was found: start the local infrastructure with `make infra`.");
    }

    private static Dictionary<string, string> Load()
    {
        var state = Environment.GetEnvironmentVariable("PRETIXOPS_STATE");
        var file = Path.Combine(string.IsNullOrEmpty(state) ? RepositoryPaths.Combine(".local") : state, "infra.env");
        if (!File.Exists(file))
        {
            return new Dictionary<string, string>();
        }

        return File.ReadAllLines(file)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
    }
}
