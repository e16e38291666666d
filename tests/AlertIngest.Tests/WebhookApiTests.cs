using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassTransit.Testing;
using PretixOps.Contracts;

namespace PretixOps.AlertIngest.Tests;

public sealed class WebhookApiTests : IAsyncLifetime
{
    private readonly WebhookHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string?, string?, HttpStatusCode> Credentials => new()
    {
        // endpoint, scheme, credential, expected
        { "/v1/alerts/alertmanager", "Basic", $"{WebhookHost.AmUser}:{WebhookHost.AmPassword}", HttpStatusCode.OK },
        { "/v1/alerts/alertmanager", "Basic", $"{WebhookHost.AmUser}:wrong-password-0123", HttpStatusCode.Unauthorized },
        { "/v1/alerts/alertmanager", "Basic", $"someone:{WebhookHost.AmPassword}", HttpStatusCode.Unauthorized },
        { "/v1/alerts/alertmanager", "Bearer", WebhookHost.GrafanaToken, HttpStatusCode.Unauthorized },
        { "/v1/alerts/alertmanager", null, null, HttpStatusCode.Unauthorized },
        { "/v1/alerts/grafana-legacy", "Bearer", WebhookHost.LegacyToken, HttpStatusCode.OK },
        { "/v1/alerts/grafana-legacy", "Bearer", WebhookHost.GrafanaToken, HttpStatusCode.Unauthorized },
        { "/v1/alerts/grafana-legacy", "Basic", $"{WebhookHost.AmUser}:{WebhookHost.AmPassword}", HttpStatusCode.Unauthorized },
        { "/v1/alerts/grafana-legacy", null, null, HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task Each_endpoint_takes_only_its_own_credentials(string path, string? scheme, string? credential, HttpStatusCode expected)
    {
        var fixture = path.EndsWith("legacy", StringComparison.Ordinal) ? "grafana-legacy-webhook.json" : "alertmanager-webhook-v4.json";
        var auth = scheme switch
        {
            "Basic" => WebhookHost.Basic(credential!.Split(':')[0], credential.Split(':')[1]),
            "Bearer" => new AuthenticationHeaderValue("Bearer", credential),
            _ => null,
        };

        using var response = await _host.PostAsync(path, Body(fixture), auth);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.NotEmpty(response.Headers.WwwAuthenticate);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task An_accepted_alertmanager_payload_is_answered_after_every_alert_is_published()
    {
        using var response = await _host.PostAsync("/v1/alerts/alertmanager", Body("alertmanager-webhook-v4.json"),
            WebhookHost.Basic(WebhookHost.AmUser, WebhookHost.AmPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"published\":2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, _host.Harness.Published.Select<AlertFired>().Count());
    }

    [Fact]
    public async Task A_payload_of_a_thousand_alerts_is_handled_in_one_request()
    {
        var alerts = string.Join(",", Enumerable.Range(0, 1000).Select(i =>
            $$"""{"status":"firing","labels":{"alertname":"Load","n":"{{i}}"},"annotations":{},"startsAt":"2026-11-26T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f{{i:x8}}"}"""));
        var body = Encoding.UTF8.GetBytes($$"""{"version":"4","status":"firing","receiver":"r","alerts":[{{alerts}}]}""");

        using var response = await _host.PostAsync("/v1/alerts/alertmanager", body, WebhookHost.Basic(WebhookHost.AmUser, WebhookHost.AmPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, _host.Harness.Published.Select<AlertFired>().Count());
    }

    [Fact]
    public async Task Grafana_may_put_as_well_as_post()
    {
        var body = Body("grafana-unified-webhook-v1.json");
        var headers = new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body)) };

        using var response = await _host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers, method: HttpMethod.Put);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await _host.Harness.Published.Any<AlertFired>(m => m.Context.Message.Source == AlertSource.Grafana));
    }

    [Theory]
    [InlineData("right", HttpStatusCode.OK)]
    [InlineData("wrong", HttpStatusCode.Unauthorized)]
    [InlineData("missing", HttpStatusCode.Unauthorized)]
    [InlineData("uppercase-not-hex", HttpStatusCode.Unauthorized)]
    public async Task A_grafana_signature_must_match_the_body(string signature, HttpStatusCode expected)
    {
        var body = Body("grafana-unified-webhook-v1.json");
        var headers = signature switch
        {
            "right" => new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body)) },
            "wrong" => new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign("other body") },
            "uppercase-not-hex" => new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = new string('Z', 64) },
            _ => [],
        };

        using var response = await _host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_replayed_signature_is_refused()
    {
        var body = Body("grafana-unified-webhook-v1.json");
        var headers = new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body)) };

        using var first = await _host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers);
        using var replay = await _host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("used before", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copies_of_one_signed_request_sent_at_once_are_accepted_once()
    {
        var body = Body("grafana-unified-webhook-v1.json");
        var headers = new Dictionary<string, string> { ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body)) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            _host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [InlineData(0, HttpStatusCode.OK)]
    [InlineData(-299, HttpStatusCode.OK)]
    [InlineData(-301, HttpStatusCode.Unauthorized)]
    [InlineData(301, HttpStatusCode.Unauthorized)]
    public async Task A_timestamped_signature_must_be_fresh(int offsetSeconds, HttpStatusCode expected)
    {
        await using var host = new WebhookHost(timestamped: true);
        var body = Body("grafana-unified-webhook-v1.json");
        var timestamp = host.Clock.GetUtcNow().AddSeconds(offsetSeconds).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>
        {
            [WebhookHost.TimestampHeader] = timestamp,
            ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body), timestamp),
        };

        using var response = await host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_timestamped_signature_does_not_sign_another_timestamp()
    {
        await using var host = new WebhookHost(timestamped: true);
        var body = Body("grafana-unified-webhook-v1.json");
        var now = host.Clock.GetUtcNow().ToUnixTimeSeconds();
        var headers = new Dictionary<string, string>
        {
            [WebhookHost.TimestampHeader] = (now - 1).ToString(CultureInfo.InvariantCulture),
            ["X-Grafana-Alerting-Signature"] = WebhookHost.Sign(Encoding.UTF8.GetString(body), now.ToString(CultureInfo.InvariantCulture)),
        };

        using var response = await host.PostAsync("/v1/alerts/grafana", body, Bearer(WebhookHost.GrafanaToken), headers: headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_legacy_no_data_is_answered_200_and_publishes_nothing()
    {
        var body = Encoding.UTF8.GetBytes(WebhookFixture("grafana-legacy-webhook.json").Replace("\"alerting\"", "\"no_data\"", StringComparison.Ordinal));

        using var response = await _host.PostAsync("/v1/alerts/grafana-legacy", body, Bearer(WebhookHost.LegacyToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"published\":0", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal static byte[] Body(string fixture) => Encoding.UTF8.GetBytes(WebhookFixture(fixture));

    private static string WebhookFixture(string fixture) => ParserTests.Fixture(fixture);

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
