using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PretixOps.TestSupport;
using RabbitMQ.Client;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The stack's broker users (deploy/rabbitmq/definitions.json), loaded into the local RabbitMQ as the stack's nodes load
/// them: rendered by deploy/rabbitmq/definitions.sh from secret files, here holding passwords of the test's own, and
/// imported through the management API. Only the user names differ (a prefix of this run's own, so that nothing shared
/// is overwritten), and the stack's administrator is left out; the permission patterns are the file's, unchanged. The
/// users are deleted afterwards.
/// </summary>
public sealed class BrokerUsers : IAsyncLifetime
{
    /// <summary>The stack's administrator, which the shared broker already has under its own password.</summary>
    private const string Administrator = "pretixops";

    private readonly string _prefix = $"itest-{Guid.NewGuid():N}"[..14] + "-";
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);

    public string Folder { get; } = Directory.CreateTempSubdirectory("pretixops-broker-users-").FullName;

    /// <summary>The definitions as the stack's nodes load them, users renamed: what this fixture imported.</summary>
    public JsonObject Loaded { get; private set; } = null!;

    /// <summary>The file's user names (registration, …, opsctl), without the administrator.</summary>
    public IReadOnlyList<string> Names { get; private set; } = [];

    public string UserName(string user) => _prefix + user;

    public string PasswordFile(string user) => Path.Combine(Folder, "secrets", user);

    /// <summary>The settings that make a service process connect as <paramref name="user"/>.</summary>
    public Dictionary<string, string?> MessagingSettings(string user) => new()
    {
        ["Messaging__Username"] = UserName(user),
        ["Messaging__PasswordFile"] = PasswordFile(user),
        ["Messaging__Password"] = null,
    };

    public async Task InitializeAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        var template = RepositoryPaths.Combine("deploy", "rabbitmq", "definitions.json");
        var secrets = Directory.CreateDirectory(Path.Combine(Folder, "rendered-secrets")).FullName;
        Directory.CreateDirectory(Path.Combine(Folder, "secrets"));
        var users = JsonNode.Parse(await File.ReadAllTextAsync(template))!["users"]!.AsArray();
        foreach (var user in users)
        {
            var name = user!["name"]!.GetValue<string>();
            var secret = user["password_hash"]!.GetValue<string>().Trim('@');
            var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            // A secret file ends with a newline, as `docker secret create` from `echo` makes it: not part of the password.
            await File.WriteAllTextAsync(Path.Combine(secrets, secret), password + "\n");
            await File.WriteAllTextAsync(PasswordFile(name), password + "\n");
            _passwords[name] = password;
        }

        var rendered = Path.Combine(Folder, "definitions.json");
        var render = await Cli.RunAsync("sh", [RepositoryPaths.Combine("deploy", "rabbitmq", "definitions.sh"), template, secrets, rendered]);
        Assert.True(render.ExitCode == 0, render.Output);
        Directory.Delete(secrets, recursive: true);

        var definitions = JsonNode.Parse(await File.ReadAllTextAsync(rendered))!.AsObject();
        Rename(definitions, "users", "name");
        Rename(definitions, "permissions", "user");
        Loaded = definitions;
        Names = [.. definitions["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()[_prefix.Length..])];

        using var http = Infrastructure.Management();
        using var response = await http.PostAsJsonAsync("definitions", definitions);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public async Task DisposeAsync()
    {
        using var http = Infrastructure.Management();
        foreach (var name in Names)
        {
            using var _ = await http.DeleteAsync(new Uri($"users/{Uri.EscapeDataString(UserName(name))}", UriKind.Relative));
        }
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>An AMQP connection to the local broker as <paramref name="user"/>.</summary>
    public Task<IConnection> ConnectAsync(string user) => new ConnectionFactory
    {
        HostName = Infrastructure.RabbitHost,
        Port = Infrastructure.RabbitPort,
        UserName = UserName(user),
        Password = _passwords[user],
        ClientProvidedName = $"itest-{user}",
    }.CreateConnectionAsync();

    /// <summary>The administrator left out, every other user (and its permissions) under this run's prefix.</summary>
    private void Rename(JsonObject definitions, string section, string key)
    {
        var entries = definitions[section]!.AsArray();
        foreach (var entry in entries.Where(e => e![key]!.GetValue<string>() == Administrator).ToList())
        {
            entries.Remove(entry);
        }
        foreach (var entry in entries)
        {
            entry![key] = _prefix + entry[key]!.GetValue<string>();
        }
    }
}
