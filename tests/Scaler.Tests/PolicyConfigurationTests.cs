using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;

namespace PretixOps.Scaler.Tests;

public sealed class PolicyConfigurationTests
{
    private static readonly string ShippedPolicy = RepositoryPaths.Combine("deploy", "scaler", "policy.json");

    [Fact]
    public void The_shipped_policy_binds_and_validates()
    {
        var options = Bind(new ConfigurationBuilder().AddJsonFile(ShippedPolicy)).Value;

        Assert.Equal(["pretix_redisslave", "pretix_web"], options.Services.Keys.Order(StringComparer.Ordinal));
        var web = options.Services["pretix_web"];
        Assert.Equal((2, 6, "1", "1"), (web.Min, web.Max, web.StepUp, web.StepDown));
        Assert.Equal(
            (TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)),
            (web.CooldownUp, web.CooldownDown, web.StabilizationWindow));
        Assert.Equal((false, false), (web.Paused, web.DryRun));
        Assert.All(options.Rules, rule => Assert.Equal(Direction.Up, rule.Direction));
    }

    [Theory]
    [InlineData("NGINX-Pretix Response Time alert", "pretix_web")]
    [InlineData("PRETIX-Order POST Time Distribution alert", "pretix_web")]
    [InlineData("PRETIX-Number of Events alert[test]", "pretix_web")]
    [InlineData("REDIS-# Connected Clients alert", "pretix_redisslave")]
    [InlineData("HAPROXY-Proxy Average Response Time of Redis alert", "pretix_redisslave")]
    public void The_shipped_policy_scales_up_on_each_alarm_of_the_report(string alertname, string service)
    {
        var options = Bind(new ConfigurationBuilder().AddJsonFile(ShippedPolicy)).Value;

        var rule = Assert.Single(options.Rules, r => r.Alertname == alertname);
        Assert.Equal((service, Direction.Up), (rule.Service, rule.Direction));
        Assert.Same(rule, options.Rules.First(r => r.Matches(alertname, new Dictionary<string, string>())));
    }

    [Theory]
    [InlineData("Scaler:Services:pretix_web:Max", "1", "Scaler:Services:pretix_web:Max: must be at least Min and at most 1000.")]
    [InlineData("Scaler:Services:pretix_web:Max", "1001", "Scaler:Services:pretix_web:Max: must be at least Min and at most 1000.")]
    [InlineData("Scaler:Services:pretix_web:Min", "-1", "Scaler:Services:pretix_web:Min: must not be negative.")]
    [InlineData("Scaler:Services:pretix_web:StepUp", "0",
        "Scaler:Services:pretix_web:StepUp: '0' must be a whole number of replicas (1 to 1000) or a percentage (1% to 10000%).")]
    [InlineData("Scaler:Services:pretix_web:StepUp", "abc",
        "Scaler:Services:pretix_web:StepUp: 'abc' must be a whole number of replicas (1 to 1000) or a percentage (1% to 10000%).")]
    [InlineData("Scaler:Services:pretix_web:StepDown", "-1%",
        "Scaler:Services:pretix_web:StepDown: '-1%' must be a whole number of replicas (1 to 1000) or a percentage (1% to 10000%).")]
    [InlineData("Scaler:Services:pretix_web:CooldownUp", "-00:01:00",
        "Scaler:Services:pretix_web:CooldownUp: must be between 00:00:00 and 1.00:00:00.")]
    [InlineData("Scaler:Rules:0:Service", "pretix_db", "Scaler:Rules:0: Service 'pretix_db' is not under Scaler:Services.")]
    [InlineData("Scaler:Rules:0:Alertname", "",
        "Scaler:Rules:0: match an Alertname or Labels, or the rule would match every alert.")]
    [InlineData("Scaler:Rules:0:Name", "", "Scaler:Rules:0: Name is required.")]
    [InlineData("Scaler:MaxUpdateAttempts", "0", "Scaler:MaxUpdateAttempts: The field MaxUpdateAttempts must be between 1 and 20.")]
    // A replica's name had 128 characters here and 64 in DiscoveryWriter; one rule now, the strict one.
    [InlineData("Scaler:InstanceName", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", "Scaler:InstanceName: must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$.")]
    public void A_bad_policy_is_refused_naming_the_setting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Services:pretix_web:Min"] = "2",
            ["Scaler:Services:pretix_web:Max"] = "6",
            ["Scaler:Rules:0:Name"] = "web-response-time",
            ["Scaler:Rules:0:Alertname"] = "NGINX-Pretix Response Time alert",
            ["Scaler:Rules:0:Service"] = "pretix_web",
            [key] = value,
        };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(new ConfigurationBuilder().AddInMemoryCollection(settings)).Value);

        Assert.Equal(expected, ConfigurationFailure.Describe(error));
    }

    [Theory]
    [InlineData("Metrics:0:Query", "", "Scaler:Services:pretix_web:Metrics:0:Query: is required: a PromQL expression that answers one number.")]
    [InlineData("Metrics:0:Target", "5",
        "Scaler:Services:pretix_web:Metrics:0:Target: set exactly one of Target (for the whole service) and TargetPerReplica.")]
    [InlineData("Metrics:0:TargetPerReplica", "0", "Scaler:Services:pretix_web:Metrics:0:TargetPerReplica: must be a number above 0.")]
    [InlineData("Metrics:0:Interval", "00:00:00.5", "Scaler:Services:pretix_web:Metrics:0:Interval: must be between 00:00:01 and 00:10:00.")]
    [InlineData("Tolerance", "1", "Scaler:Services:pretix_web:Tolerance: must be at least 0 and below 1 (0.1 is 10 %).")]
    [InlineData("FallbackReplicas", "9", "Scaler:Services:pretix_web:FallbackReplicas: must lie within Min and Max.")]
    [InlineData("ScaleUp:Limits:0:Step", "fast", "Scaler:Services:pretix_web:ScaleUp:Limits:0:Step: 'fast' must be a number of replicas (\"4\") or a percentage (\"100%\").")]
    [InlineData("Schedules:0:TimeZone", "Mars/Olympus",
        "Scaler:Services:pretix_web:Schedules:0:TimeZone: 'Mars/Olympus' is not a time zone this machine knows (an IANA name such as Europe/Lisbon).")]
    [InlineData("Schedules:0:Days", "Funday", "Scaler:Services:pretix_web:Schedules:0:Days: must name weekdays: Fri, Mon-Fri, Sat,Sun.")]
    [InlineData("Schedules:0:End", "25:00", "Scaler:Services:pretix_web:Schedules:0:End: must be a time of day, HH:mm (24:00 for the day's end).")]
    [InlineData("Schedules:0:Min", "9", "Scaler:Services:pretix_web:Schedules:0:Min: must lie within the service's Min and Max (2 to 6).")]
    [InlineData("Schedules:0:Cron", "0 17 * * FRI",
        "Scaler:Services:pretix_web:Schedules:0: give either Days, Start and End, or Cron and Duration.")]
    public void A_bad_metric_target_limit_or_window_is_refused_naming_the_field(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Prometheus:Url"] = "http://prometheus:9090",
            ["Scaler:Services:pretix_web:Min"] = "2",
            ["Scaler:Services:pretix_web:Max"] = "6",
            ["Scaler:Services:pretix_web:Metrics:0:Name"] = "requests",
            ["Scaler:Services:pretix_web:Metrics:0:Query"] = "sum(rate(pretix_requests_total[1m]))",
            ["Scaler:Services:pretix_web:Metrics:0:TargetPerReplica"] = "50",
            ["Scaler:Services:pretix_web:Schedules:0:Name"] = "friday-sale",
            ["Scaler:Services:pretix_web:Schedules:0:Days"] = "Fri",
            ["Scaler:Services:pretix_web:Schedules:0:Start"] = "17:00",
            ["Scaler:Services:pretix_web:Schedules:0:End"] = "23:00",
            ["Scaler:Services:pretix_web:Schedules:0:TimeZone"] = "Europe/Lisbon",
            ["Scaler:Services:pretix_web:Schedules:0:Min"] = "4",
            [$"Scaler:Services:pretix_web:{key}"] = value,
        };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(new ConfigurationBuilder().AddInMemoryCollection(settings)).Value);

        Assert.Equal(expected, ConfigurationFailure.Describe(error));
    }

    [Fact]
    public void Metric_targets_without_a_prometheus_to_ask_are_refused()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Services:pretix_web:Max"] = "6",
            ["Scaler:Services:pretix_web:Metrics:0:Name"] = "requests",
            ["Scaler:Services:pretix_web:Metrics:0:Query"] = "sum(x)",
            ["Scaler:Services:pretix_web:Metrics:0:Target"] = "1",
        };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(new ConfigurationBuilder().AddInMemoryCollection(settings)).Value);

        Assert.Equal("Scaler:Prometheus:Url: a service has Metrics: set Scaler:Prometheus:Url.", ConfigurationFailure.Describe(error));
    }

    [Fact]
    public void A_rule_naming_a_service_with_a_path_in_it_is_refused()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Rules:0:Name"] = "escape",
            ["Scaler:Rules:0:Labels:service"] = "x",
            ["Scaler:Rules:0:Service"] = "../x",
        };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(new ConfigurationBuilder().AddInMemoryCollection(settings)).Value);

        Assert.Equal("Scaler:Rules:0: Service '../x' is not under Scaler:Services.", ConfigurationFailure.Describe(error));
    }

    [Theory]
    [InlineData("Scaler:Maximum", "6", "'Maximum'")]
    [InlineData("Scaler:Services:pretix_web:Maximum", "6", "'Maximum'")]
    [InlineData("Scaler:Rules:0:Alert", "Disk full", "'Alert'")]
    [InlineData("Scaler:Services:pretix_web:Max", "six", "'Scaler:Services:pretix_web:Max'")]
    [InlineData("Scaler:Services:pretix_web:CooldownUp", "3 minutes", "'Scaler:Services:pretix_web:CooldownUp'")]
    [InlineData("Scaler:Rules:0:Direction", "Sideways", "'Scaler:Rules:0:Direction'")]
    public void A_misspelt_or_mistyped_policy_setting_is_an_error_not_a_silent_default(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };

        var error = Assert.Throws<InvalidOperationException>(() => Bind(new ConfigurationBuilder().AddInMemoryCollection(settings)).Value);

        Assert.NotNull(ConfigurationFailure.Describe(error));
        Assert.Contains(Messages(error), m => m.Contains(named, StringComparison.Ordinal));
    }

    private static IEnumerable<string> Messages(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }

    private static IOptions<ScalerOptions> Bind(IConfigurationBuilder configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration.Build());
        services.AddValidatedOptions<ScalerOptions>(ScalerOptions.Section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<ScalerOptions>>();
    }
}
