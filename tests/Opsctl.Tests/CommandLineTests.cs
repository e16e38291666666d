using PretixOps.Opsctl.DeadLetters;

namespace PretixOps.Opsctl.Tests;

/// <summary>Parsing, settings and the selection of dead letters: what an operator types and what it means.</summary>
[Collection(ConsoleUse.Name)]
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("3", 3, null)]
    [InlineData("+2", null, 2)]
    [InlineData("-1", null, -1)]
    public void Replicas_are_a_count_or_a_step(string text, int? replicas, int? delta) =>
        Assert.Equal((replicas, delta), OpsctlCommands.ParseReplicas(text));

    [Theory]
    [InlineData("three")]
    [InlineData("+")]
    [InlineData("1.5")]
    [InlineData("99999")]
    public void Anything_else_is_a_usage_error(string text) =>
        Assert.Throws<UsageException>(() => OpsctlCommands.ParseReplicas(text));

    [Fact]
    public void Times_are_iso_8601_or_an_age()
    {
        Assert.Equal(DateTimeOffset.Parse("2026-11-26T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            OpsctlCommands.ParseTime("2026-11-26T03:00:00Z", "--since"));
        var twoHoursAgo = OpsctlCommands.ParseTime("2h", "--since")!.Value;
        Assert.InRange(DateTimeOffset.UtcNow - twoHoursAgo, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        var error = Assert.Throws<UsageException>(() => OpsctlCommands.ParseTime("yesterday", "--until"));
        Assert.Contains("--until", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("50", 50)]
    [InlineData("12.5/s", 12.5)]
    public void Rates_are_per_second(string text, double rate) => Assert.Equal(rate, OpsctlCommands.ParseRate(text));

    [Theory]
    [InlineData("0")]
    [InlineData("fast")]
    public void A_rate_that_is_not_positive_is_refused(string text) => Assert.Throws<UsageException>(() => OpsctlCommands.ParseRate(text));

    [Fact]
    public void Flags_beat_the_environment_which_beats_the_config_file_and_secrets_are_never_shown()
    {
        var folder = Directory.CreateTempSubdirectory("opsctl-settings-").FullName;
        try
        {
            var config = Path.Combine(folder, "config.json");
            File.WriteAllText(config, """{"broker": "amqp://filer@file-host:1111/", "scaler": "http://file-scaler:1", "management": "http://file-mgmt:2"}""");
            var password = Path.Combine(folder, "password");
            File.WriteAllText(password, "s3cret-from-file\n");
            var environment = new Dictionary<string, string>
            {
                ["OPSCTL_SCALER"] = "http://env-scaler:5105",
                ["OPSCTL_TOKEN"] = "token-from-env",
            };
            var settings = OpsctlSettings.Resolve(
                new OpsctlSettings.Flags("amqp://ops@flag-host:5673/pretix", password, null, null, null, null, config),
                name => environment.GetValueOrDefault(name));
            Assert.Equal(("flag-host", 5673, "pretix", "ops"), (settings.BrokerHost, settings.BrokerPort, settings.VirtualHost, settings.Username));
            Assert.Equal("s3cret-from-file", settings.Password);
            Assert.Equal(new Uri("http://env-scaler:5105"), settings.Scaler);
            Assert.Equal(new Uri("http://file-mgmt:2"), settings.Management);
            Assert.Equal("token-from-env", settings.Token);
            Assert.DoesNotContain("s3cret", settings.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("token-from-env", settings.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_password_in_the_broker_uri_is_refused_rather_than_echoed()
    {
        var error = Assert.Throws<OpsctlException>(() => OpsctlSettings.Resolve(
            new OpsctlSettings.Flags("amqp://ops:hunter2@host/", null, null, null, null, null, null), _ => null));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        var typo = Assert.Throws<OpsctlException>(() => OpsctlSettings.Resolve(
            new OpsctlSettings.Flags("amqps://ops:hunter2@host/", null, null, null, null, null, null), _ => null));
        Assert.DoesNotContain("hunter2", typo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_services_messaging_variables_are_understood()
    {
        var environment = new Dictionary<string, string>
        {
            ["Messaging__Host"] = "rabbitmq",
            ["Messaging__Port"] = "5672",
            ["Messaging__Username"] = "pretixops",
            ["Messaging__Password"] = "from-the-service",
        };
        var settings = OpsctlSettings.Resolve(new OpsctlSettings.Flags(null, null, null, null, null, null, null), name => environment.GetValueOrDefault(name));
        Assert.Equal(("rabbitmq", "pretixops", "from-the-service"), (settings.BrokerHost, settings.Username, settings.Password));
        Assert.Equal(new Uri("http://rabbitmq:15672"), settings.Management);
    }

    [Theory]
    [InlineData(new[] { "dlq", "replay", "scaler_error" }, "say which messages")]
    [InlineData(new[] { "dlq", "replay", "scaler_error", "--id", "x", "--all" }, "do not go together")]
    [InlineData(new[] { "dlq", "purge", "scaler_error", "--all" }, "--yes")]
    [InlineData(new[] { "dlq", "replay", "scaler_error", "--all", "--rate", "fast" }, "--rate")]
    [InlineData(new[] { "dlq", "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "scale", "pretix_web", "3" }, "--reason")]
    [InlineData(new[] { "dlq", "purge", "scaler", "--all", "--yes" }, "'scaler' is not a dead-letter queue")]
    [InlineData(new[] { "dlq", "replay", "scaler", "--all" }, "not a dead-letter queue")]
    public async Task Usage_errors_exit_2_with_one_line_saying_what_is_wrong(string[] args, string expected)
    {
        var (code, _, error) = await Cli.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_is_one_line_and_exit_1()
    {
        var (code, _, error) = await Cli.RunAsync(["dlq", "show", "scaler_error", "--broker", "amqp://ops@127.0.0.1:1/"]);
        Assert.Equal(1, code);
        Assert.StartsWith("opsctl: cannot reach RabbitMQ at 127.0.0.1:1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Selections_filter_by_id_exception_type_and_time()
    {
        var at = DateTimeOffset.Parse("2026-11-26T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var letter = Letter("System.InvalidOperationException", "PretixOps.Contracts:ScaleService", at);
        Assert.True(new Selection(null, true, null, null, null, null).Matches(letter));
        Assert.True(new Selection(null, false, "InvalidOperationException", null, null, null).Matches(letter));
        Assert.False(new Selection(null, false, "OperationException", null, null, null).Matches(letter));
        Assert.True(new Selection(null, false, null, "ScaleService", null, null).Matches(letter));
        Assert.True(new Selection(null, false, null, null, at.AddMinutes(-1), at.AddMinutes(1)).Matches(letter));
        Assert.False(new Selection(null, false, null, null, at.AddMinutes(1), null).Matches(letter));
        Assert.True(new Selection("9F3B", false, null, null, null, null).Matches(letter));
        Assert.False(new Selection("other", false, null, null, null, null).Matches(letter));
    }

    private static DeadLetter Letter(string exception, string messageType, DateTimeOffset at)
    {
        var properties = new RabbitMQ.Client.BasicProperties
        {
            MessageId = "9f3b",
            Headers = new Dictionary<string, object?>
            {
                ["MT-Fault-ExceptionType"] = System.Text.Encoding.UTF8.GetBytes(exception),
                ["MT-Fault-MessageType"] = System.Text.Encoding.UTF8.GetBytes(messageType),
                ["MT-Fault-Timestamp"] = System.Text.Encoding.UTF8.GetBytes(at.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            },
        };
        return DeadLetter.From("scaler_error", 1, properties, "{}"u8.ToArray());
    }
}
