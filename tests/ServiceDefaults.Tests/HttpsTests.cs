using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PretixOps.TestSupport;
using PretixOps.Tls;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>A service's endpoints over HTTPS with a certificate from PEM files, served by real Kestrel on loopback.</summary>
public sealed class HttpsTests : IDisposable
{
    private static readonly ServiceInfo Service = new("https-test", DefaultPort: 5998);
    private readonly TestCa _ca = TestCa.Create();

    public void Dispose() => _ca.Dispose();

    [Fact]
    public async Task Serves_https_to_a_client_that_trusts_the_CA()
    {
        var issued = _ca.Issue("server", "localhost", "127.0.0.1");
        await using var app = await StartAsync(issued);

        var (status, served) = await GetAsync(Address(app), CertificateAuthority.Load(_ca.CertificateFile));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(issued.Thumbprint, served);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_CA_is_refused()
    {
        await using var app = await StartAsync(_ca.Issue("server", "localhost", "127.0.0.1"));
        using var other = TestCa.Create("Some other CA");

        // The system's store, then another CA: neither vouches for this certificate.
        using var plain = new HttpClient();
        var system = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri(Address(app), "healthz/live")));
        var wrong = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(Address(app), CertificateAuthority.Load(other.CertificateFile)));

        Assert.IsType<AuthenticationException>(system.InnerException);
        Assert.IsType<AuthenticationException>(wrong.InnerException);
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_although_the_CA_issued_it()
    {
        await using var app = await StartAsync(_ca.Issue("server", "registration.example.net"));

        var refusal = "";
        using var http = Client(CertificateAuthority.Load(_ca.CertificateFile), (_, _) => { }, reason => refusal = reason);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(Address(app), "healthz/live")));

        Assert.Contains("not for the name asked for", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_connections_without_a_restart()
    {
        var first = _ca.Issue("server", "localhost", "127.0.0.1");
        await using var app = await StartAsync(first);
        var ca = CertificateAuthority.Load(_ca.CertificateFile);
        Assert.Equal(first.Thumbprint, (await GetAsync(Address(app), ca)).Served);

        // Issued over the same two files, as certbot or an operator's `docker secret` rotation in a bind mount would.
        var second = _ca.Issue("server", "localhost", "127.0.0.1");
        var served = await Eventually.ValueAsync(async () => (await GetAsync(Address(app), ca)).Served, s => s == second.Thumbprint);

        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.Equal(second.Thumbprint, served);
    }

    [Fact]
    public async Task A_replacement_that_cannot_be_used_leaves_the_certificate_in_use()
    {
        var first = _ca.Issue("server", "localhost", "127.0.0.1");
        await using var app = await StartAsync(first);
        var ca = CertificateAuthority.Load(_ca.CertificateFile);

        // A key from another certificate: a rotation caught between writing the key and writing the certificate.
        var other = _ca.Issue("other", "localhost");
        File.Copy(other.KeyFile, first.KeyFile, overwrite: true);
        var (status, served) = await GetAsync(Address(app), ca);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.Thumbprint, served);
    }

    [Theory]
    [InlineData("missing-key", "Tls:KeyFile")]
    [InlineData("missing-certificate", "Tls:CertificateFile")]
    [InlineData("no-such-key-file", "Tls:KeyFile")]
    [InlineData("not-pem", "Tls:CertificateFile")]
    [InlineData("key-of-another", "Tls:KeyFile")]
    [InlineData("plain-http-on-the-network", "urls")]
    public async Task A_certificate_setting_that_cannot_be_used_stops_the_start_naming_it(string case_, string named)
    {
        var issued = _ca.Issue("server", "localhost");
        var other = _ca.Issue("other", "localhost");
        var notPem = Path.Combine(_ca.Folder, "not.pem");
        await File.WriteAllTextAsync(notPem, "not a certificate");
        var (certificate, key, urls) = case_ switch
        {
            "missing-key" => (issued.CertificateFile, null, "https://127.0.0.1:0"),
            "missing-certificate" => (null, issued.KeyFile, "https://127.0.0.1:0"),
            "no-such-key-file" => (issued.CertificateFile, Path.Combine(_ca.Folder, "gone.pem"), "https://127.0.0.1:0"),
            "not-pem" => (notPem, issued.KeyFile, "https://127.0.0.1:0"),
            "key-of-another" => (issued.CertificateFile, other.KeyFile, "https://127.0.0.1:0"),
            _ => (issued.CertificateFile, issued.KeyFile, "http://0.0.0.0:0"),
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(certificate, key, urls));

        Assert.Contains(named, ConfigurationFailure.Describe(failure), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", ConfigurationFailure.Describe(failure), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_on_loopback_stays_allowed_beside_https()
    {
        var issued = _ca.Issue("server", "localhost", "127.0.0.1");
        await using var app = await StartAsync(issued.CertificateFile, issued.KeyFile, "https://127.0.0.1:0;http://127.0.0.1:0");

        var plain = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => a.StartsWith("http://", StringComparison.Ordinal));
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(new Uri(plain), "healthz/live"))).StatusCode);
    }

    [Fact]
    public void Without_a_certificate_the_default_url_is_plain_http_and_with_one_https()
    {
        Assert.Equal("http://+:5998", ServiceUrls.Resolve(Configuration(null), Service));
        Assert.Equal("https://+:5998", ServiceUrls.Resolve(Configuration("/run/secrets/tls_cert"), Service));
    }

    [Fact]
    public async Task The_container_health_probe_speaks_https_and_trusts_exactly_the_served_certificate()
    {
        var issued = _ca.Issue("server", "alert-ingest.example.net");
        await using var app = await StartAsync(issued);
        var url = Address(app).ToString().TrimEnd('/');
        var other = _ca.Issue("other", "alert-ingest.example.net");

        var healthy = await ServiceHost.RunAsync(["--healthcheck", "--urls", url, "--Tls:CertificateFile", issued.CertificateFile], Service, _ => { });
        var stranger = await ServiceHost.RunAsync(["--healthcheck", "--urls", url, "--Tls:CertificateFile", other.CertificateFile], Service, _ => { });

        Assert.Equal(0, healthy);
        Assert.Equal(1, stranger);
    }

    private static IConfiguration Configuration(string? certificate) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Tls:CertificateFile"] = certificate })
            .Build();

    private static Task<WebApplication> StartAsync(TestCa.Issued issued) =>
        StartAsync(issued.CertificateFile, issued.KeyFile, "https://127.0.0.1:0");

    private static async Task<WebApplication> StartAsync(string? certificate, string? key, string urls)
    {
        var builder = WebApplication.CreateBuilder(["--urls", urls]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tls:CertificateFile"] = certificate,
            ["Tls:KeyFile"] = key,
        });
        builder.AddServiceDefaults(Service);
        var app = builder.Build();
        app.MapServiceDefaults();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("https://", StringComparison.Ordinal)).Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/");

    /// <summary>One request on a connection of its own: the status and the thumbprint of the certificate served.</summary>
    private static async Task<(HttpStatusCode Status, string? Served)> GetAsync(Uri address, CertificateAuthority ca)
    {
        string? served = null;
        using var http = Client(ca, (thumbprint, _) => served = thumbprint, _ => { });
        using var response = await http.GetAsync(new Uri(address, "healthz/live"));
        return (response.StatusCode, served);
    }

    private static HttpClient Client(CertificateAuthority ca, Action<string, bool> seen, Action<string> refused)
    {
        var check = ca.Callback(refused);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var accepted = check(sender, certificate, chain, errors);
            seen(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate!).Thumbprint, accepted);
            return accepted;
        };
        return new HttpClient(handler);
    }
}
