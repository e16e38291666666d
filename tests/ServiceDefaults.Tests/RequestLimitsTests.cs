using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>
/// The limits every service has from its defaults, on a real Kestrel: a body over the size limit is 413 and JSON
/// nested too deep is 400, both problem details; requests that change state beyond a credential's or an address's
/// rate are 429 with Retry-After; reading is never limited.
/// </summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private const string Alice = "alice-token-0123456789abcdef";
    private const string AliceNext = "alice-next-token-0123456789abcdef";
    private const string Bob = "bob-token-0123456789abcdef";

    public sealed class Nested
    {
        public Nested? Inner { get; set; }
    }

    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Limits:MaxRequestBodyBytes"] = "2048",
            ["Limits:PerCredentialPerMinute"] = "3",
            ["Limits:PerAddressPerMinute"] = "5",
            // One identity with two tokens (a rotation), and another.
            ["Auth:Credentials:0:Name"] = "alice",
            ["Auth:Credentials:0:Token"] = Alice,
            ["Auth:Credentials:0:Roles:0"] = "read",
            ["Auth:Credentials:1:Name"] = "alice",
            ["Auth:Credentials:1:Token"] = AliceNext,
            ["Auth:Credentials:1:Roles:0"] = "read",
            ["Auth:Credentials:2:Name"] = "bob",
            ["Auth:Credentials:2:Token"] = Bob,
            ["Auth:Credentials:2:Roles:0"] = "read",
        });
        builder.AddServiceDefaults(new ServiceInfo("limits-test", DefaultPort: 5998));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAccessPolicy();
        _app = builder.Build();
        _app.MapServiceDefaults();
        // An endpoint that reads its body itself, with a limit far above Kestrel's, and one the framework binds.
        _app.MapPost("/read-body", async (HttpRequest request, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync<Nested>(request, 1024 * 1024, ct);
            return body.Error ?? Results.Ok();
        }).RequireAccess();
        _app.MapPost("/bound", (Nested body) => Results.Ok());
        _app.MapPost("/act", () => Results.Ok()).RequireAccess();
        _app.MapGet("/act", () => Results.Ok()).RequireAccess();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_limit_is_413_problem_details_with_or_without_a_content_length(bool withLength)
    {
        var json = "{\"inner\":null," + new string(' ', 4096) + "}";
        using var content = withLength
            ? (HttpContent)new StringContent(json, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!withLength)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/read-body") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Alice);
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/read-body")]
    [InlineData("/bound")]
    public async Task Json_nested_deeper_than_the_limit_is_400_problem_details(string path)
    {
        var depth = RequestLimitOptions.JsonMaxDepth + 5;
        var json = string.Concat(Enumerable.Repeat("{\"inner\":", depth)) + "null" + new string('}', depth);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bob);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Json_as_deep_as_the_limit_allows_is_read()
    {
        var depth = RequestLimitOptions.JsonMaxDepth - 1;
        var json = string.Concat(Enumerable.Repeat("{\"inner\":", depth)) + "null" + new string('}', depth);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/bound") { Content = new StringContent(json, Encoding.UTF8, "application/json") };

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_credential_over_its_rate_is_429_with_retry_after_whichever_of_its_tokens_it_sends_and_another_credential_is_not()
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var token in new[] { Alice, AliceNext, Alice })
        {
            statuses.Add(await PostAsync(token));
        }

        using var limited = await SendAsync(HttpMethod.Post, AliceNext);
        var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        var bob = await PostAsync(Bob);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.ToString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("Limits:PerCredentialPerMinute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, bob);
    }

    [Fact]
    public async Task An_address_over_its_rate_is_429_whatever_the_credential_and_reading_is_not_limited()
    {
        var statuses = new List<HttpStatusCode>();
        // Tokens nobody holds, a new one each time: 401, but counted against the address all the same.
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await PostAsync($"guessed-token-{i}-0123456789abcdef"));
        }

        var bob = await PostAsync(Bob);
        using var read = await SendAsync(HttpMethod.Get, Bob);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, bob);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private async Task<HttpStatusCode> PostAsync(string? token)
    {
        using var response = await SendAsync(HttpMethod.Post, token);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? token)
    {
        using var request = new HttpRequestMessage(method, "/act");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _client.SendAsync(request);
    }
}
