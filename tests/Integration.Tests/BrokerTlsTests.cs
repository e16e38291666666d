using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// TLS on every hop of a real service process: Alertmanager posts to AlertIngest over HTTPS, AlertIngest publishes to
/// the broker's amqps listener, both certificates issued by the local CA (deploy/local/infra.sh).
/// </summary>
public sealed class BrokerTlsTests
{
    private const string User = "alertmanager";
    private const string Password = "am-password-0123456789";

    [Fact]
    public async Task An_alert_posted_over_https_reaches_the_bus_over_amqps_with_the_CA_from_a_file()
    {
        await using var capture = await AlertCapture.StartAsync();
        await using var ingest = StartIngest(Infrastructure.TlsCaFile);
        Assert.True(HttpStatusCode.OK == await ingest.StatusWhenAsync("/healthz/ready", HttpStatusCode.OK), ingest.ToString());
        Assert.Equal(Uri.UriSchemeHttps, ingest.BaseAddress.Scheme);
        await using var alertmanager = await AlertmanagerProcess.StartAsync(Config(ingest));
        var name = $"ItestTls{Guid.NewGuid():N}"[..24];

        await alertmanager.AddAlertAsync([$"alertname={name}", "service=pretix_web"]);

        var fired = await Eventually.ValueAsync(() => Task.FromResult(capture.Received.Fired.FirstOrDefault(a => a.Name == name)), a => a is not null);
        Assert.True(fired is not null, ingest.ToString());
        Assert.Contains(ingest.Output, line => line.Contains("Serving HTTPS with the certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_is_refused_with_an_error_that_names_the_CA_file()
    {
        await Infrastructure.RequireBrokerAsync();
        using var other = TestCa.Create("Not the broker's CA");
        await using var ingest = StartIngest(other.CertificateFile);

        var refused = await Eventually.ValueAsync(
            () => Task.FromResult(ingest.Output.FirstOrDefault(l => l.Contains("The broker was refused over TLS", StringComparison.Ordinal))),
            line => line is not null);

        Assert.True(refused is not null, ingest.ToString());
        Assert.Contains("does not chain to the CA in", refused, StringComparison.Ordinal);
        Assert.Contains(other.CertificateFile, refused, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ingest.Http.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        Assert.False(ingest.HasExited, "a refused broker must leave the service running (and not ready), as a broker outage does");
    }

    [Fact]
    public async Task Amqps_without_a_CA_file_refuses_the_local_broker_whose_CA_the_system_does_not_know()
    {
        await Infrastructure.RequireBrokerAsync();
        await using var ingest = StartIngest(caFile: null);

        var refused = await Eventually.ValueAsync(
            () => Task.FromResult(ingest.Output.FirstOrDefault(l => l.Contains("The broker was refused over TLS", StringComparison.Ordinal))),
            line => line is not null);

        Assert.True(refused is not null, ingest.ToString());
        Assert.Contains("Messaging:CaFile", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opsctl_reaches_the_broker_over_amqps_with_its_CA_file_and_says_why_when_it_does_not_trust_it()
    {
        await Infrastructure.RequireBrokerAsync();
        var queue = $"itest-tls-{Guid.NewGuid():N}_error";
        using var management = Infrastructure.Management();
        using (var created = await management.PutAsJsonAsync(new Uri($"queues/%2F/{queue}", UriKind.Relative), new { durable = false, auto_delete = false }))
        {
            created.EnsureSuccessStatusCode();
        }
        var state = Directory.CreateTempSubdirectory("opsctl-tls-").FullName;
        using var other = TestCa.Create("Not the broker's CA");
        try
        {
            var environment = Opsctl.Environment(state);
            // amqps://, its port given; the management API stays where it is (plain HTTP on loopback).
            environment["OPSCTL_BROKER"] = $"amqps://{Infrastructure.RabbitUser}@localhost:{Infrastructure.RabbitTlsPort}/";
            environment["OPSCTL_CA_FILE"] = Infrastructure.TlsCaFile;
            var trusted = await Opsctl.RunAsync(environment, "dlq", "list", "--json");
            environment["OPSCTL_CA_FILE"] = other.CertificateFile;
            var refused = await Opsctl.RunAsync(environment, "dlq", "list", "--json");

            Assert.True(trusted.ExitCode == 0, trusted.Output);
            Assert.Contains(queue, trusted.Output, StringComparison.Ordinal);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("TLS refused", refused.Output, StringComparison.Ordinal);
            Assert.Contains($"does not chain to the CA in {other.CertificateFile}", refused.Output, StringComparison.Ordinal);
        }
        finally
        {
            await Infrastructure.DeleteQueueAsync(queue);
            Directory.Delete(state, recursive: true);
        }
    }

    private static ServiceProcess StartIngest(string? caFile) => ServiceProcess.Start("AlertIngest", new Dictionary<string, string?>
    {
        ["AlertIngest__Alertmanager__Username"] = User,
        ["AlertIngest__Alertmanager__Password"] = Password,
        ["Tls__CertificateFile"] = Infrastructure.TlsCertificateFile,
        ["Tls__KeyFile"] = Infrastructure.TlsKeyFile,
        ["Messaging__Port"] = Infrastructure.RabbitTlsPort.ToString(CultureInfo.InvariantCulture),
        ["Messaging__UseTls"] = "true",
        ["Messaging__CaFile"] = caFile,
    });

    private static string Config(ServiceProcess ingest) => $"""
        route:
          receiver: ingest
          group_by: ['...']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: ingest
            webhook_configs:
              - url: '{ingest.BaseAddress}v1/alerts/alertmanager'
                http_config:
                  basic_auth:
                    username: {User}
                    password: {Password}
                  tls_config:
                    ca_file: {Infrastructure.TlsCaFile}
        """;
}
