using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Tests;

public sealed class RegressionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-scaler-regress-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("1001")]
    [InlineData("2147483647")]
    [InlineData("10001%")]
    [InlineData("2147483647%")]
    public void A_step_too_large_to_compute_safely_is_refused(string step)
    {
        Assert.False(ScaleStep.TryParse(step, out _));
    }

    [Fact]
    public void The_largest_percent_step_of_the_largest_service_does_not_overflow()
    {
        Assert.Equal(100_000, ScaleStep.Parse("10000%").Of(1000));
    }

    [Fact]
    public void The_first_decision_after_a_line_torn_by_a_crash_survives_the_next_restart()
    {
        var path = Path.Combine(_folder, "decisions.jsonl");
        using (var history = new DecisionHistory(path))
        {
            history.Record("k1", Decision(), Direction.Up);
        }

        File.AppendAllText(path, "{\"kind\":\"deci");
        using (var history = new DecisionHistory(path))
        {
            history.Record("k2", Decision(), Direction.Up);
        }

        using var restarted = new DecisionHistory(path);
        Assert.True(restarted.IsDecided("k1"));
        Assert.True(restarted.IsDecided("k2"));
    }

    [Fact]
    public void A_decision_imported_from_another_replica_counts_as_decided_and_starts_its_cooldown_once()
    {
        using var history = new DecisionHistory(Path.Combine(_folder, "replica.jsonl"));
        var foreign = Decision() with { TriggerKey = "alertmanager:f:2026-11-26T10:00:00.000Z/fired" };

        Assert.True(history.Import(foreign));
        Assert.False(history.Import(foreign));

        Assert.True(history.IsDecided("alertmanager:f:2026-11-26T10:00:00.000Z/fired"));
        Assert.Equal(foreign.At, history.LastApplied("pretix_web", Direction.Up));
        Assert.Single(history.Query(null, null, null));
    }

    [Fact]
    public void A_misspelt_key_inside_a_service_policy_is_named_in_the_error()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scaler:Services:pretix_web:Max"] = "6",
            ["Scaler:Services:pretix_web:Maxx"] = "6",
        }).Build());
        services.AddValidatedOptions<ScalerOptions>(ScalerOptions.Section);

        var error = Assert.Throws<InvalidOperationException>(
            () => services.BuildServiceProvider().GetRequiredService<IOptions<ScalerOptions>>().Value);

        Assert.Contains("'Maxx'", ConfigurationFailure.Describe(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2376", true, false, "Scaler:TlsCertFile: TlsCertFile must name an existing PEM file")]
    [InlineData("unix:///var/run/docker.sock", true, true, "Scaler:DockerHost: TLS files are for a tcp:// DockerHost")]
    [InlineData("ftp://docker", false, false, "Scaler:DockerHost: must be unix:///path/to/docker.sock or tcp://host:port.")]
    public void A_docker_connection_that_cannot_work_stops_the_service_naming_the_setting(string host, bool ca, bool cert, string expected)
    {
        var pem = Path.Combine(_folder, "some.pem");
        File.WriteAllText(pem, "-----BEGIN CERTIFICATE-----\n");
        var settings = new Dictionary<string, string?> { ["Scaler:DockerHost"] = host };
        if (ca)
        {
            settings["Scaler:TlsCaFile"] = pem;
        }

        if (cert)
        {
            settings["Scaler:TlsCertFile"] = pem;
            settings["Scaler:TlsKeyFile"] = pem;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<ScalerOptions>(ScalerOptions.Section);

        var error = Assert.Throws<OptionsValidationException>(
            () => services.BuildServiceProvider().GetRequiredService<IOptions<ScalerOptions>>().Value);

        Assert.Contains(expected, ConfigurationFailure.Describe(error), StringComparison.Ordinal);
    }

    private static ScaleDecisionRecorded Decision() =>
        new(Guid.NewGuid(), "pretix_web", 2, 3, ScaleOutcome.Applied, "step up 1", "alertmanager:f:2026-11-26T10:00:00.000Z", DateTimeOffset.UtcNow);
}
