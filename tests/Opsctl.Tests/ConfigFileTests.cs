namespace PretixOps.Opsctl.Tests;

/// <summary>
/// The config file: where it is found, that a flag beats a variable beats the file beats a default for every setting
/// (secrets included), and that a config that cannot be used says which file and which key.
/// </summary>
[Collection(ConsoleUse.Name)]
public sealed class ConfigFileTests : IDisposable
{
    private static readonly OpsctlSettings.Flags NoFlags = new(null, null, null, null, null, null, null);

    private readonly string _folder = Directory.CreateTempSubdirectory("opsctl-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_default_config_is_under_xdg_config_home_else_home()
    {
        var xdg = Write(Path.Combine("xdg", "opsctl", "config.json"), """{"scaler": "http://from-xdg:1"}""");
        Write(Path.Combine("home", ".config", "opsctl", "config.json"), """{"scaler": "http://from-home:1"}""");
        var home = Path.Combine(_folder, "home");

        Assert.Equal(new Uri("http://from-xdg:1"), Resolve(NoFlags, ("XDG_CONFIG_HOME", Path.GetDirectoryName(Path.GetDirectoryName(xdg))), ("HOME", home)).Scaler);
        Assert.Equal(new Uri("http://from-home:1"), Resolve(NoFlags, ("HOME", home)).Scaler);
        Assert.Equal(new Uri("http://localhost:5105"), Resolve(NoFlags, ("HOME", _folder)).Scaler);
    }

    [Fact]
    public void Config_flag_beats_opsctl_config_which_beats_the_default_place()
    {
        var flag = Write("flag.json", """{"scaler": "http://from-flag:1"}""");
        var variable = Write("variable.json", """{"scaler": "http://from-variable:1"}""");
        Write(Path.Combine("home", ".config", "opsctl", "config.json"), """{"scaler": "http://from-home:1"}""");
        var home = ("HOME", Path.Combine(_folder, "home"));

        Assert.Equal(new Uri("http://from-flag:1"), Resolve(NoFlags with { ConfigFile = flag }, ("OPSCTL_CONFIG", variable), home).Scaler);
        Assert.Equal(new Uri("http://from-variable:1"), Resolve(NoFlags, ("OPSCTL_CONFIG", variable), home).Scaler);
    }

    [Theory]
    [InlineData(true, true, true, "http://flag:1/")]
    [InlineData(false, true, true, "http://variable:1/")]
    [InlineData(false, false, true, "http://file:1/")]
    [InlineData(false, false, false, "http://localhost:5105/")]
    public void Each_url_comes_from_the_flag_else_the_variable_else_the_file_else_the_default(bool flag, bool variable, bool file, string expected)
    {
        var config = Write("config.json", file ? """{"scaler": "http://file:1", "registration": "http://file:2", "management": "http://file:3"}""" : "{}");
        var settings = Resolve(
            new OpsctlSettings.Flags(null, null, flag ? "http://flag:3" : null, flag ? "http://flag:1" : null, flag ? "http://flag:2" : null, null, config),
            variable ? [("OPSCTL_SCALER", "http://variable:1"), ("OPSCTL_REGISTRATION", "http://variable:2"), ("OPSCTL_MANAGEMENT", "http://variable:3")] : []);
        Assert.Equal(expected, settings.Scaler.ToString());
        Assert.Equal(expected.Replace(":1/", ":2/", StringComparison.Ordinal).Replace("localhost:5105", "localhost:5101", StringComparison.Ordinal),
            settings.Registration.ToString());
        Assert.Equal(expected.Replace(":1/", ":3/", StringComparison.Ordinal).Replace("localhost:5105", "localhost:15672", StringComparison.Ordinal),
            settings.Management.ToString());
    }

    [Fact]
    public void The_broker_comes_from_the_flag_else_the_variable_else_the_file_else_the_services_variables()
    {
        var config = Write("config.json", """{"broker": "amqp://filer@file-host:1111/vhost"}""");
        (string Name, string? Value)[] messaging = [("Messaging__Host", "rabbitmq"), ("Messaging__Username", "service")];

        var fromFile = Resolve(NoFlags with { ConfigFile = config }, messaging);
        Assert.Equal(("file-host", 1111, "vhost", "filer"), (fromFile.BrokerHost, fromFile.BrokerPort, fromFile.VirtualHost, fromFile.Username));
        Assert.Equal(new Uri("http://file-host:15672"), fromFile.Management);
        Assert.Equal("variable-host", Resolve(NoFlags with { ConfigFile = config }, [.. messaging, ("OPSCTL_BROKER", "amqp://v@variable-host/")]).BrokerHost);
        Assert.Equal("flag-host", Resolve(NoFlags with { ConfigFile = config, Broker = "amqp://f@flag-host/" }, ("OPSCTL_BROKER", "amqp://v@variable-host/")).BrokerHost);
        Assert.Equal(("rabbitmq", "service"), (Resolve(NoFlags, messaging).BrokerHost, Resolve(NoFlags, messaging).Username));
    }

    // The strict rule: before, a token file named in the config beat $OPSCTL_TOKEN (and a passwordFile $OPSCTL_PASSWORD),
    // so a variable exported for one command was silently ignored wherever a config existed.
    [Fact]
    public void A_secret_comes_from_the_flags_file_else_the_variables_else_the_file_the_config_names()
    {
        var configToken = Write(Path.Combine("secrets", "config-token"), "from-config-file\n");
        var flagToken = Write("flag-token", "from-flag-file\n");
        var variableToken = Write("variable-token", "from-variable-file\n");
        Write(Path.Combine("secrets", "config-password"), "password-from-config-file\n");
        var config = Write("config.json", """{"tokenFile": "secrets/config-token", "passwordFile": "secrets/config-password"}""");
        var flags = NoFlags with { ConfigFile = config };

        Assert.Equal("from-flag-file", Resolve(flags with { TokenFile = flagToken }, ("OPSCTL_TOKEN_FILE", variableToken), ("OPSCTL_TOKEN", "v")).Token);
        Assert.Equal("from-variable-file", Resolve(flags, ("OPSCTL_TOKEN_FILE", variableToken), ("OPSCTL_TOKEN", "v")).Token);
        Assert.Equal("from-variable", Resolve(flags, ("OPSCTL_TOKEN", "from-variable")).Token);
        Assert.Equal("from-config-file", Resolve(flags).Token);
        Assert.Null(Resolve(NoFlags).Token);

        Assert.Equal("from-variable", Resolve(flags, ("OPSCTL_PASSWORD", "from-variable"), ("Messaging__Password", "m")).Password);
        Assert.Equal("password-from-config-file", Resolve(flags, ("Messaging__PasswordFile", flagToken), ("Messaging__Password", "m")).Password);
        Assert.Equal("from-flag-file", Resolve(NoFlags, ("Messaging__PasswordFile", flagToken), ("Messaging__Password", "m")).Password);
        Assert.Equal("m", Resolve(NoFlags, ("Messaging__Password", "m")).Password);
    }

    [Fact]
    public void Paths_in_the_config_are_relative_to_the_config_file()
    {
        Write(Path.Combine("stack", "secrets", "token"), "relative\n");
        var config = Write(Path.Combine("stack", "opsctl.json"), """{"tokenFile": "secrets/token", "stateDirectory": "state"}""");
        var settings = Resolve(NoFlags with { ConfigFile = config });
        Assert.Equal("relative", settings.Token);
        Assert.Equal(Path.Combine(_folder, "stack", "state"), settings.StateDirectory);
    }

    [Theory]
    [InlineData("""{"scaler": "localhost:5105"}""", "scaler in config file {0} must be an http(s) URL")]
    [InlineData("""{"broker": "rabbitmq:5672"}""", "broker in config file {0} must look like amqp://")]
    [InlineData("""{"broker": "amqp://ops:hunter2@rabbitmq/"}""", "not in the URI (broker in config file {0})")]
    [InlineData("""{"tokenFile": "missing-token"}""", "the token file {1}missing-token does not exist (tokenFile in config file {0})")]
    [InlineData("""{"scaler": 5105}""", "config file {0}: scaler must be a non-empty string, not 5105")]
    [InlineData("""{"scalar": "http://localhost:5105"}""", "config file {0}: 'scalar' is not a setting (the settings are broker, passwordFile")]
    [InlineData("""{"token": "hunter2"}""", "config file {0}: 'token' is not a setting. A secret is never kept in the config")]
    [InlineData("""{"scaler": "http://a:1", "Scaler": "http://b:1"}""", "config file {0}: scaler is given twice")]
    [InlineData("""["http://localhost:5105"]""", "config file {0} must hold a JSON object")]
    [InlineData("""{"scaler": """, "config file {0} is not valid JSON")]
    public void A_bad_config_names_the_file_and_the_key(string content, string expected)
    {
        var config = Write("config.json", content);
        var error = Assert.Throws<OpsctlException>(() => Resolve(NoFlags with { ConfigFile = config }));
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, config, _folder + Path.DirectorySeparatorChar),
            error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_named_but_missing_is_an_error_and_so_is_a_default_that_links_to_nothing()
    {
        var missing = Path.Combine(_folder, "missing.json");
        Assert.Equal($"config file {missing} does not exist.",
            Assert.Throws<OpsctlException>(() => Resolve(NoFlags, ("OPSCTL_CONFIG", missing))).Message);

        var link = Path.Combine(_folder, "xdg", "opsctl", "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, Path.Combine(_folder, "clone-that-is-gone", ".local", "opsctl.json"));
        var error = Assert.Throws<OpsctlException>(() => Resolve(NoFlags, ("XDG_CONFIG_HOME", Path.Combine(_folder, "xdg"))));
        Assert.Contains($"config file {link} is a link to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_config_is_one_line_and_exit_1()
    {
        var config = Write("config.json", """{"scaler": "localhost:5105"}""");
        var (code, output, error) = await Cli.RunAsync("decisions", "--service", "pretix_web", "--config", config);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"opsctl: scaler in config file {config} must be an http(s) URL such as http://host:port/.", error.Trim());
    }

    private string Write(string relativePath, string content)
    {
        var path = Path.Combine(_folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static OpsctlSettings Resolve(OpsctlSettings.Flags flags, params (string Name, string? Value)[] environment) =>
        OpsctlSettings.Resolve(flags, name => environment.LastOrDefault(e => e.Name == name).Value);
}
