using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// What `make up` does for a newcomer's first opsctl (deploy/local/opsctl.sh install), in a sandbox of its own: a
/// launcher on a PATH folder, the user's config linked to the stack's, opsctl answering through both; run twice, the
/// same; a config of the user's own, left alone.
/// </summary>
public sealed class OpsctlInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("opsctl-install-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string State => Path.Combine(_root, "state");
    private string Launcher => Path.Combine(_root, "bin", "opsctl");
    private string UserConfig => Path.Combine(_root, "config", "opsctl", "config.json");

    private Dictionary<string, string?> Environment => new()
    {
        ["PRETIXOPS_STATE"] = State,
        ["CONFIGURATION"] = ServiceProcess.Configuration,
        ["OPSCTL_BIN"] = Launcher,
        ["XDG_CONFIG_HOME"] = Path.Combine(_root, "config"),
        ["HOME"] = Path.Combine(_root, "home"),
        ["OPSCTL_CONFIG"] = null,
    };

    [Fact]
    public async Task Install_puts_a_working_opsctl_on_the_path_reading_the_stacks_config_and_leaves_a_users_own_config_alone()
    {
        Directory.CreateDirectory(State);
        // As services.sh writes it for the local stack; a Scaler nobody listens for, so the answer names the address.
        await File.WriteAllTextAsync(Path.Combine(State, "opsctl.json"), """{ "scaler": "http://127.0.0.1:9/" }""");

        var installed = await InstallAsync();
        Assert.True(installed.ExitCode == 0, installed.Output);
        Assert.Equal(Path.Combine(State, "opsctl.json"), new FileInfo(UserConfig).LinkTarget);

        var help = await Cli.RunAsync(Launcher, ["--help"], Environment);
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("decisions", help.Output, StringComparison.Ordinal);
        // No flag, no variable: the Scaler's address came from the linked config.
        var status = await Cli.RunAsync(Launcher, ["status", "pretix_web"], Environment);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("127.0.0.1:9", status.Output, StringComparison.Ordinal);

        var again = await InstallAsync();
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.DoesNotContain("copied", again.Output, StringComparison.Ordinal);

        File.Delete(UserConfig);
        await File.WriteAllTextAsync(UserConfig, """{ "scaler": "http://10.0.0.1:5105/" }""");
        var beside = await InstallAsync();
        Assert.True(beside.ExitCode == 0, beside.Output);
        Assert.Contains("is your own: left alone", beside.Output, StringComparison.Ordinal);
        Assert.Equal("""{ "scaler": "http://10.0.0.1:5105/" }""", await File.ReadAllTextAsync(UserConfig));
    }

    private Task<Cli.Result> InstallAsync() =>
        Cli.RunAsync("bash", [RepositoryPaths.Combine("deploy", "local", "opsctl.sh"), "install"], Environment);
}
