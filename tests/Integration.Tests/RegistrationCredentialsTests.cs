using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// The real Registration process with a credentials file of hashes, checking nodes against the real dockerd swarm:
/// a workload's credential registers its own service at its own address on a node of the swarm, and nothing else; the
/// rotation's two tokens both work and a token added to the file works without a restart; a credential over its rate
/// gets 429 with Retry-After, and a body over Kestrel's limit 413.
/// </summary>
public sealed class RegistrationCredentialsTests : IAsyncLifetime
{
    private static readonly string Web = Token("web");
    private static readonly string WebNext = Token("web-next");

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-credentials-").FullName;
    private readonly string _job = $"creds{Guid.NewGuid():N}"[..16];
    private Discovery _discovery = null!;
    private ServiceProcess _registration = null!;
    private string _node = null!;

    private string CredentialsFile => Path.Combine(_folder, "credentials.jsonl");

    public async Task InitializeAsync()
    {
        using var docker = new DockerClientConfiguration(new Uri(Infrastructure.DockerHost)).CreateClient();
        _node = (await docker.Swarm.ListNodesAsync()).First().Description.Hostname;
        await File.WriteAllLinesAsync(CredentialsFile, [Entry("pretix_web", Web), Entry("pretix_web", WebNext)]);
        // With a DiscoveryWriter: a registration is accepted once routed to a reader.
        _discovery = await Discovery.StartAsync(new Dictionary<string, string?>
        {
            ["Auth__CredentialsFile"] = CredentialsFile,
            ["Registration__DockerHost"] = Infrastructure.DockerHost,
            ["Limits__PerCredentialPerMinute"] = "6",
            ["Limits__MaxRequestBodyBytes"] = "4096",
        });
        _registration = _discovery.Registration;
    }

    public async Task DisposeAsync()
    {
        await _discovery.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_workload_credential_registers_its_own_service_on_a_swarm_node_and_is_refused_everything_else()
    {
        var own = await PostAsync(Web, $$"""{"service":"pretix_web","slot":1,"node":"{{_node}}","exporters":[{"job":"{{_job}}","port":9100}]}""");
        var rotated = await PostAsync(WebNext, """{"service":"pretix_web","slot":2}""");
        var otherService = await PostAsync(Web, """{"service":"pretix_pgpool","slot":1}""");
        var otherAddress = await PostAsync(WebNext, """{"service":"pretix_web","slot":3,"address":"10.9.9.9"}""");
        var unknownNode = await PostAsync(Web, """{"service":"pretix_web","slot":4,"node":"no-such-node"}""");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (own.Status, rotated.Status));
        Assert.Equal((HttpStatusCode.Forbidden, "register-own-services"), (otherService.Status, otherService.Body.GetProperty("rule").GetString()));
        Assert.Equal((HttpStatusCode.Forbidden, "register-own-address"), (otherAddress.Status, otherAddress.Body.GetProperty("rule").GetString()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownNode.Status);
        Assert.True(unknownNode.Body.GetProperty("errors").TryGetProperty("node", out _), unknownNode.Body.ToString());
        Assert.Equal(["pretix_web.1"], await _discovery.InstanceIdsWhenAsync(_job, ids => ids.Count > 0));
    }

    [Fact]
    public async Task A_credential_added_to_the_file_works_without_a_restart_and_one_over_its_rate_gets_429_with_retry_after()
    {
        var added = Token("added");
        await File.AppendAllLinesAsync(CredentialsFile, [Entry("pretix_redis", added)]);

        var first = await Eventually.ValueAsync(() => PostAsync(added, """{"service":"pretix_redis","slot":1}"""),
            answer => answer.Status != HttpStatusCode.Unauthorized);
        var statuses = new List<HttpStatusCode> { first.Status };
        for (var slot = 2; slot <= 7; slot++)
        {
            statuses.Add((await PostAsync(added, $$"""{"service":"pretix_redis","slot":{{slot}}}""")).Status);
        }

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        using var limited = await SendAsync(added, """{"service":"pretix_redis","slot":8}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_problem_details_from_kestrel()
    {
        var (status, body) = await PostAsync(WebNext, "{\"service\":\"pretix_web\",\"labels\":{\"a\":\"" + new string('x', 8192) + "\"}}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(413, body.GetProperty("status").GetInt32());
    }

    private static string Token(string name) => $"{name}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}";

    private static string Entry(string service, string token) =>
        $$"""{"name":"{{service}}","sha256":"{{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))}}","roles":["register"],"services":["{{service}}"]}""";

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string token, string json)
    {
        using var response = await SendAsync(token, json);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<HttpResponseMessage> SendAsync(string token, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/instances")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _registration.Http.SendAsync(request);
    }
}
