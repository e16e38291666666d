using System.Net;
using System.Text;

namespace PretixOps.AlertIngest.Tests;

/// <summary>A generated corpus of broken and hostile bodies: every one is answered 4xx, and the service stays up.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private readonly WebhookHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static IEnumerable<object[]> Corpus()
    {
        var valid = ParserTests.Fixture("alertmanager-webhook-v4.json");
        var bytes = Encoding.UTF8.GetBytes(valid);
        var random = new Random(20261126);

        // Truncated at many points.
        foreach (var cut in new[] { 0, 1, 10, bytes.Length / 3, bytes.Length / 2, bytes.Length - 2 })
        {
            yield return Case($"truncated at {cut}", bytes[..cut]);
        }

        // Random byte flips (mutations of a valid body) that break it: keep only those that no longer parse as the same JSON.
        for (var i = 0; i < 40; i++)
        {
            var mutated = (byte[])bytes.Clone();
            for (var flips = 0; flips < 3; flips++)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            yield return Case($"mutation {i}", mutated, allowOk: true);
        }

        yield return Case("wrong type: alerts is a string", """{"version":"4","status":"firing","alerts":"all of them"}""");
        yield return Case("wrong type: labels is an array", """{"version":"4","status":"firing","alerts":[{"status":"firing","labels":[1,2],"startsAt":"2026-11-26T09:00:00Z","fingerprint":"a"}]}""");
        yield return Case("wrong type: startsAt is a number", """{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"x"},"startsAt":12,"fingerprint":"a"}]}""");
        yield return Case("wrong type: top level array", "[1,2,3]");
        yield return Case("null", "null");
        yield return Case("empty object", "{}");
        yield return Case("huge string", $$"""{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"{{new string('x', 900_000)}}"},"fingerprint":"a"}]}""");
        yield return Case("deep nesting", new string('[', 10_000) + new string(']', 10_000));
        yield return Case("deep nesting in labels", """{"version":"4","alerts":""" + new string('[', 500) + new string(']', 500) + "}");
        yield return Case("raw NUL bytes", Encoding.UTF8.GetBytes(valid.Replace("\"firing\"", "\"fir\0ing\"", StringComparison.Ordinal)));
        yield return Case("invalid UTF-8", [.. Encoding.UTF8.GetBytes("{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}")]);
        yield return Case("100,000 alerts", $$"""{"version":"4","status":"firing","alerts":[{{string.Join(",", Enumerable.Repeat("{}", 100_000))}}]}""");
        yield return Case("negative time", valid.Replace("2026-03-14T10:21:03.157Z", "-0001-01-01T00:00:00Z", StringComparison.Ordinal));
        yield return Case("year zero", valid.Replace("2026-03-14T10:21:03.157Z", "0000-01-01T00:00:00Z", StringComparison.Ordinal));
        yield return Case("far-future start", valid.Replace("2026-03-14T10:21:03.157Z", "9999-12-31T23:59:59Z", StringComparison.Ordinal));
        yield return Case("far-future end", valid.Replace("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", StringComparison.Ordinal));
        yield return Case("number overflow", valid.Replace("\"truncatedAlerts\": 0", "\"truncatedAlerts\": 99999999999999999999999", StringComparison.Ordinal));
        yield return Case("over the size limit", new byte[1024 * 1024 + 1]);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Hostile_input_is_answered_4xx_and_the_service_stays_up(string name, byte[] body, bool allowOk)
    {
        using var response = await _host.PostAsync(
            "/v1/alerts/alertmanager", body, WebhookHost.Basic(WebhookHost.AmUser, WebhookHost.AmPassword));
        var status = (int)response.StatusCode;

        Assert.True(status is >= 400 and < 500 || (allowOk && status == 200), $"{name}: {status}");
        using var live = await _host.Client.GetAsync(new Uri("/healthz/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Another_content_type_is_415()
    {
        using var response = await _host.PostAsync("/v1/alerts/alertmanager", WebhookApiTests.Body("alertmanager-webhook-v4.json"),
            WebhookHost.Basic(WebhookHost.AmUser, WebhookHost.AmPassword), contentType: "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_a_400_naming_it()
    {
        var body = Encoding.UTF8.GetBytes("""{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"x"},"startsAt":12,"fingerprint":"a"}]}""");

        using var response = await _host.PostAsync("/v1/alerts/alertmanager", body, WebhookHost.Basic(WebhookHost.AmUser, WebhookHost.AmPassword));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("alerts[0].startsAt", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static object[] Case(string name, string body) => Case(name, Encoding.UTF8.GetBytes(body));

    private static object[] Case(string name, byte[] body, bool allowOk = false) => [name, body, allowOk];
}
