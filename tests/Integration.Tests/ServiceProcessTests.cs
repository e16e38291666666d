using System.Net;
using System.Text.Json;

namespace PretixOps.Integration.Tests;

/// <summary>The five services as real processes against the real broker.</summary>
public sealed class ServiceProcessTests
{
    public static TheoryData<string, string> Services => new()
    {
        { "Registration", "registration" },
        { "DiscoveryWriter", "discovery-writer" },
        { "SnmpPoller", "snmp-poller" },
        { "AlertIngest", "alert-ingest" },
        { "Scaler", "scaler" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Starts_connects_reports_and_stops_cleanly_on_SIGTERM(string project, string name)
    {
        await Infrastructure.RequireBrokerAsync();
        await using var service = ServiceProcess.Start(project);

        Assert.True(HttpStatusCode.OK == await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), service.ToString());
        Assert.Equal(HttpStatusCode.OK, await service.StatusWhenAsync("/healthz/live", HttpStatusCode.OK));
        var metrics = await service.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"pretixops_build_info{{service=\"{name}\"", metrics, StringComparison.Ordinal);

        Assert.Equal(0, await service.TerminateAsync());
        Assert.Contains(service.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
        Assert.Contains(service.Output, line => line.Contains("Bus stopped", StringComparison.Ordinal));
        // Compact JSON, one event a line, each naming the service: what a log pipeline needs.
        Assert.All(service.Output, line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(name, json.RootElement.GetProperty("service").GetString());
        });
    }

    [Fact]
    public async Task Readiness_follows_the_broker_and_recovers_without_a_restart()
    {
        await Infrastructure.RequireBrokerAsync();
        var services = Services.Select(row => ServiceProcess.Start((string)row[0])).ToList();
        try
        {
            foreach (var service in services)
            {
                Assert.True(HttpStatusCode.OK == await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), service.ToString());
            }

            await Infrastructure.InfraAsync("stop", "rabbitmq");
            foreach (var service in services)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.ServiceUnavailable));
                Assert.Equal(HttpStatusCode.OK, await service.StatusWhenAsync("/healthz/live", HttpStatusCode.OK));
            }

            await Infrastructure.InfraAsync("start", "rabbitmq");
            foreach (var service in services)
            {
                Assert.True(HttpStatusCode.OK == await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), service.ToString());
                Assert.False(service.HasExited, $"{service.Project} restarted instead of reconnecting");
            }
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "rabbitmq");
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("Messaging__Port", "0", "Messaging:Port")]
    [InlineData("Messaging__Port", "amqp", "Messaging:Port")]
    [InlineData("Messaging__Hots", "rabbitmq", "Hots")]
    public async Task A_bad_setting_stops_the_service_with_a_message_naming_it(string key, string value, string named)
    {
        await using var service = ServiceProcess.Start("Scaler", new Dictionary<string, string?> { [key] = value });

        Assert.Equal(78, await service.WaitForExitAsync());
        Assert.Contains(service.Output, line =>
            line.Contains("invalid configuration", StringComparison.Ordinal) && line.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_broker_password_never_reaches_the_log()
    {
        await Infrastructure.RequireBrokerAsync();
        var password = $"wrong-{Guid.NewGuid():N}";
        await using var service = ServiceProcess.Start("Registration", new Dictionary<string, string?>
        {
            ["Messaging__PasswordFile"] = null,
            ["Messaging__Password"] = password,
        });

        // The broker refuses the password; the service stays up, not ready, and says why.
        Assert.Equal(HttpStatusCode.OK, await service.StatusWhenAsync("/healthz/live", HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await service.StatusWhenAsync("/healthz/ready", HttpStatusCode.ServiceUnavailable));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await service.TerminateAsync();

        Assert.Contains(service.Output, line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Output, line => line.Contains(password, StringComparison.Ordinal));
    }
}
