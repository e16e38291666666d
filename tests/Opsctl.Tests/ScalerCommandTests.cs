using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PretixOps.Opsctl.Tests;

/// <summary>
/// status, pause, resume, dry-run, scale and decisions against a stand-in Scaler: what opsctl sends (path, body, token),
/// and what an operator sees of each answer, refusals included.
/// </summary>
[Collection(ConsoleUse.Name)]
public sealed class ScalerCommandTests : IDisposable
{
    private const string Token = "alice-operate-token";

    private readonly string _folder = Directory.CreateTempSubdirectory("opsctl-scaler-").FullName;

    public ScalerCommandTests() => File.WriteAllText(TokenFile, Token + "\n");

    private string TokenFile => Path.Combine(_folder, "token");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(new[] { "dry-run", "pretix_web", "maybe", "--reason", "testing" }, "dry-run takes on or off, not 'maybe'.")]
    [InlineData(new[] { "scale", "pretix_web", "+1" }, "--reason")]
    [InlineData(new[] { "pause", "pretix_web" }, "--reason")]
    [InlineData(new[] { "resume" }, "service")]
    [InlineData(new[] { "scale", "pretix_web", "+1", "--reason", "sale", "--wait", "301" }, "--wait must be between 0 and 300")]
    [InlineData(new[] { "scale", "pretix_web", "+1", "--reason", "sale", "--requested-by", "alice" }, "--requested-by")]
    [InlineData(new[] { "decisions", "--all", "--limit", "10" }, "say one")]
    [InlineData(new[] { "decisions", "--limit", "1001" }, "--limit must be between 1 and 1000")]
    [InlineData(new[] { "decisions", "--outcome", "Sideways" }, "--outcome must be one of Applied")]
    public async Task Usage_errors_exit_2_with_one_line_before_anything_is_sent(string[] args, string expected)
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Ok());
        var (code, _, error) = await RunAsync(scaler, args);
        Assert.Equal(2, code);
        Assert.StartsWith("opsctl: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(Lines(error));
        Assert.Empty(scaler.Requests);
    }

    [Fact]
    public async Task Pause_posts_the_reason_and_count_with_the_token_and_prints_who_paused_it()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) =>
            Results.Text(Status(paused: true, pausedAt: 3, by: "alice", reason: "database migration"), "application/json"));
        var (code, output, error) = await RunAsync(scaler, "pause", "pretix_web", "--reason", "database migration", "--replicas", "3");
        Assert.True(code == 0, error);
        var request = Assert.Single(scaler.Requests);
        Assert.Equal(("POST", "/v1/services/pretix_web/pause", $"Bearer {Token}"), (request.Method, request.PathAndQuery, request.Authorization));
        Assert.Equal("""{"reason":"database migration","replicas":3}""", request.Body);
        Assert.Equal("pretix_web paused by alice (database migration) at 3 replicas; Docker has 4, the controller wants 3.", output.Trim());
    }

    [Theory]
    [InlineData(new[] { "pause", "pretix_web", "--reason", "hold" }, "/v1/services/pretix_web/pause", """{"reason":"hold"}""")]
    [InlineData(new[] { "resume", "pretix_web", "--reason", "sale over" }, "/v1/services/pretix_web/resume", """{"reason":"sale over"}""")]
    [InlineData(new[] { "dry-run", "pretix_web", "on", "--reason", "new rule" }, "/v1/services/pretix_web/dry-run", """{"reason":"new rule","enabled":true}""")]
    [InlineData(new[] { "dry-run", "pretix_web", "off", "--reason", "rule checked" }, "/v1/services/pretix_web/dry-run", """{"reason":"rule checked","enabled":false}""")]
    public async Task Each_control_posts_its_body_and_prints_the_status_it_left(string[] args, string path, string body)
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text(Status(dryRun: true, by: "alice", reason: "new rule"), "application/json"));
        var (code, output, error) = await RunAsync(scaler, args);
        Assert.True(code == 0, error);
        var request = Assert.Single(scaler.Requests);
        Assert.Equal(("POST", path, body), (request.Method, request.PathAndQuery, request.Body));
        Assert.StartsWith("pretix_web in dry run by alice (new rule)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_control_with_json_prints_the_status_the_scaler_wrote()
    {
        var status = Status(paused: true, by: "alice", reason: "hold");
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text(status, "application/json"));
        var (code, output, _) = await RunAsync(scaler, "pause", "pretix_web", "--reason", "hold", "--json");
        Assert.Equal(0, code);
        Assert.Contains("\n  \"service\": \"pretix_web\"", output, StringComparison.Ordinal);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(status).RootElement, JsonDocument.Parse(output).RootElement));
    }

    [Fact]
    public async Task Scale_plus_one_sends_a_delta_and_prints_the_recorded_decision()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text(DecisionJson("Applied", "3 -> 4: requested by alice.", from: 3, to: 4),
            "application/json"));
        var (code, output, error) = await RunAsync(scaler, "scale", "pretix_web", "+1", "--reason", "sale at noon");
        Assert.True(code == 0, error);
        var request = Assert.Single(scaler.Requests);
        Assert.Equal(("POST", "/v1/services/pretix_web/scale?wait=30"), (request.Method, request.PathAndQuery));
        Assert.Equal("""{"reason":"sale at noon","delta":1}""", request.Body);
        Assert.Contains("Applied", output, StringComparison.Ordinal);
        Assert.Contains("3 -> 4: requested by alice.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Applied", 0)]
    [InlineData("DryRun", 0)]
    [InlineData("Duplicate", 0)]
    [InlineData("Waiting", 0)]
    [InlineData("AtMaximum", 1)]
    [InlineData("Paused", 1)]
    public async Task Scale_exits_0_when_the_change_is_taken_and_1_with_the_reason_when_refused(string outcome, int expected)
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text(DecisionJson(outcome, $"recorded as {outcome}."), "application/json"));
        var (code, output, _) = await RunAsync(scaler, "scale", "pretix_web", "10", "--reason", "load test", "--wait", "5", "--json");
        Assert.Equal(expected, code);
        Assert.Equal("/v1/services/pretix_web/scale?wait=5", Assert.Single(scaler.Requests).PathAndQuery);
        Assert.Equal("""{"reason":"load test","replicas":10}""", scaler.Requests[0].Body);
        using var decision = JsonDocument.Parse(output);
        Assert.Equal($"recorded as {outcome}.", decision.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_scale_not_decided_within_the_wait_exits_1_naming_the_request()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) =>
            Results.Accepted("/v1/decisions?service=pretix_web", new { requestId = "operator:5f0c", detail = "requested; the decision is not recorded yet." }));
        var (code, _, error) = await RunAsync(scaler, "scale", "pretix_web", "-1", "--reason", "quiet night", "--wait", "2");
        Assert.Equal(1, code);
        Assert.StartsWith("opsctl: requested (operator:5f0c), but no decision was recorded within 2 s", error, StringComparison.Ordinal);
        Assert.Equal("""{"reason":"quiet night","delta":-1}""", Assert.Single(scaler.Requests).Body);
    }

    [Fact]
    public async Task A_403_for_a_shared_token_is_one_line_with_the_scalers_detail()
    {
        const string Detail = "This takes a named credential with the role 'operate' (Auth:Credentials): a shared token does not say who is asking.";
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Problem(statusCode: 403, title: "Forbidden", detail: Detail));
        var (code, output, error) = await RunAsync(scaler, "resume", "pretix_web", "--reason", "sale over");
        Assert.Equal(1, code);
        Assert.Equal($"opsctl: the Scaler refused (403): {Detail}", Assert.Single(Lines(error)));
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_400_names_each_field_and_what_is_wrong_with_it()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.ValidationProblem(
            new Dictionary<string, string[]> { ["replicas"] = ["must lie within the policy's Min and Max (2 to 6)."] },
            detail: "The request has invalid fields: see errors.", title: "Invalid request"));
        var (code, _, error) = await RunAsync(scaler, "pause", "pretix_web", "--reason", "hold", "--replicas", "9");
        Assert.Equal(1, code);
        Assert.Equal("opsctl: the Scaler refused the request (400): replicas must lie within the policy's Min and Max (2 to 6).",
            Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task Status_of_a_service_the_policy_does_not_name_exits_1_with_the_scalers_words()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Problem(statusCode: 404, title: "Not found",
            detail: "pretix_wep is not under Scaler:Services: the Scaler never touches it."));
        var (code, output, error) = await RunAsync(scaler, "status", "pretix_wep");
        Assert.Equal(1, code);
        Assert.Equal("opsctl: pretix_wep is not under Scaler:Services: the Scaler never touches it.", Assert.Single(Lines(error)));
        Assert.Empty(output);
        Assert.Equal(("GET", "/v1/services/pretix_wep", $"Bearer {Token}"),
            (scaler.Requests[0].Method, scaler.Requests[0].PathAndQuery, scaler.Requests[0].Authorization));
    }

    [Fact]
    public async Task Status_shows_each_service_with_what_the_controller_wants_and_why()
    {
        await using var scaler = await FakeScaler.StartAsync((_, _) =>
            Results.Text($"[{Status(paused: true, pausedAt: 3, by: "alice", reason: "hold")},{Status("pretix_redisslave")}]", "application/json"));
        var (code, output, error) = await RunAsync(scaler, "status");
        Assert.True(code == 0, error);
        Assert.Equal("/v1/services", Assert.Single(scaler.Requests).PathAndQuery);
        Assert.Contains("pretix_redisslave", output, StringComparison.Ordinal);
        Assert.Contains("4 -> 3", output, StringComparison.Ordinal);
        Assert.Contains("Paused: Paused by alice: hold.", output, StringComparison.Ordinal);
        // Cells fold at their column's width: each fact is looked for in a piece that stays on one line.
        Assert.Contains("1: web-response-time (Up)", output, StringComparison.Ordinal);
        Assert.Contains("rps 250/100 per replica -> 3", output, StringComparison.Ordinal);
        Assert.Contains("queue: connection refused", output, StringComparison.Ordinal);
        Assert.Contains("sale (min 3) until", output, StringComparison.Ordinal);
        Assert.Contains("paused at 3 by alice", output, StringComparison.Ordinal);
        Assert.Contains("cooldown up until", output, StringComparison.Ordinal);
        Assert.Contains("2 service(s); answered by scaler-1, the leader.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_one_service_shows_its_last_decision_and_json_is_the_scalers_own()
    {
        var status = Status(by: "alice", reason: "sale over");
        await using var scaler = await FakeScaler.StartAsync((_, _) => Results.Text(status, "application/json"));
        var (code, output, error) = await RunAsync(scaler, "status", "pretix_web");
        Assert.True(code == 0, error);
        Assert.Contains("Last decision", output, StringComparison.Ordinal);
        Assert.Contains("Cooldown x 4 3 -> 3: cooling down.", output, StringComparison.Ordinal);
        Assert.Contains("3 to 6 now (policy 2 to 6)", output, StringComparison.Ordinal);
        Assert.Contains("not paused (resumed by alice)", output, StringComparison.Ordinal);
        Assert.Contains("at 2026-11-26 09:59:00Z: sale over", output, StringComparison.Ordinal);

        var (jsonCode, json, _) = await RunAsync(scaler, "status", "pretix_web", "--json");
        Assert.Equal(0, jsonCode);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(status).RootElement, JsonDocument.Parse(json).RootElement));
    }

    [Fact]
    public async Task Decisions_all_follows_the_link_headers_to_the_last_page()
    {
        await using var scaler = await FakeScaler.StartAsync((request, response) =>
        {
            if (!request.PathAndQuery.Contains("before=", StringComparison.Ordinal))
            {
                response.Headers.Link = "</v1/decisions?service=pretix_web&limit=1000&before=7>; rel=\"next\"";
                return Results.Text($"[{DecisionJson("Applied", "first page, newest.", repeats: 0)},{DecisionJson("Cooldown", "first page, older.", repeats: 4)}]",
                    "application/json");
            }
            return Results.Text($"[{DecisionJson("AtMaximum", "second page, oldest.")}]", "application/json");
        });
        var (code, output, error) = await RunAsync(scaler, "decisions", "--service", "pretix_web", "--all");
        Assert.True(code == 0, error);
        Assert.Equal(["/v1/decisions?service=pretix_web&limit=1000", "/v1/decisions?service=pretix_web&limit=1000&before=7"],
            scaler.Requests.Select(r => r.PathAndQuery));
        Assert.All(scaler.Requests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
        Assert.Contains("first page, newest.", output, StringComparison.Ordinal);
        Assert.Contains("first page, older.", output, StringComparison.Ordinal);
        Assert.Contains("Cooldown x 4", output, StringComparison.Ordinal);
        Assert.Contains("second page, oldest.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--all for every one", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_without_all_print_one_page_and_say_there_is_more()
    {
        await using var scaler = await FakeScaler.StartAsync((_, response) =>
        {
            response.Headers.Link = "</v1/decisions?limit=2&before=7>; rel=\"next\"";
            return Results.Text($"[{DecisionJson("Applied", "newest.")},{DecisionJson("Applied", "older.")}]", "application/json");
        });
        var (code, output, _) = await RunAsync(scaler, "decisions", "--limit", "2", "--json");
        Assert.Equal(0, code);
        Assert.Equal("/v1/decisions?limit=2", Assert.Single(scaler.Requests).PathAndQuery);
        Assert.Equal(2, Lines(output).Count);
        Assert.All(Lines(output), line => Assert.Contains("\"repeats\":0", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_next_page_on_another_host_is_not_followed_with_the_token()
    {
        await using var scaler = await FakeScaler.StartAsync((_, response) =>
        {
            response.Headers.Link = "<http://elsewhere.example/v1/decisions?before=7>; rel=\"next\"";
            return Results.Text($"[{DecisionJson("Applied", "newest.")}]", "application/json");
        });
        var (code, _, error) = await RunAsync(scaler, "decisions", "--all");
        Assert.Equal(1, code);
        Assert.Contains("another host (http://elsewhere.example)", error, StringComparison.Ordinal);
        Assert.Single(scaler.Requests);
    }

    [Fact]
    public async Task A_scaler_that_does_not_answer_is_one_line_and_exit_1()
    {
        var (code, _, error) = await Cli.RunAsync("status", "--scaler", "http://127.0.0.1:1/", "--token-file", TokenFile);
        Assert.Equal(1, code);
        Assert.StartsWith("opsctl: the Scaler at http://127.0.0.1:1 did not answer", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(FakeScaler scaler, params string[] args) =>
        Cli.RunAsync([.. args, "--scaler", scaler.BaseAddress.ToString(), "--token-file", TokenFile]);

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>A decision as the Scaler's API writes it (camelCase, the outcome as a string).</summary>
    private static string DecisionJson(string outcome, string reason, int from = 3, int to = 3, int repeats = 0) => $$"""
        {"decisionId":"{{Guid.NewGuid()}}","service":"pretix_web","from":{{from}},"to":{{to}},"outcome":"{{outcome}}","reason":{{JsonSerializer.Serialize(reason)}},
         "trigger":"operator:alice","at":"2026-11-26T10:00:00+00:00","triggerKey":"operator:5f0c","inputs":null,"code":"operator",
         "repeats":{{repeats}},"lastRepeatAt":null}
        """;

    /// <summary>A service's status as the Scaler's API writes it: one firing and one stale alert, a metric that reads and one that fails.</summary>
    private static string Status(string service = "pretix_web", bool paused = false, int? pausedAt = null, bool dryRun = false, string? by = null,
        string? reason = null) => $$"""
        {
          "service": "{{service}}", "current": 4, "desired": 3, "outcome": "Paused", "reason": "Paused by alice: hold.",
          "min": 2, "max": 6, "minInForce": 3, "maxInForce": 6,
          "alerts": [
            {"alertId": "a1", "rule": "web-response-time", "direction": "Up", "since": "2026-11-26T09:58:00+00:00", "lastSeen": "2026-11-26T10:00:00+00:00", "stale": false},
            {"alertId": "a0", "rule": "web-labelled", "direction": "Up", "since": "2026-11-26T08:00:00+00:00", "lastSeen": "2026-11-26T08:10:00+00:00", "stale": true}
          ],
          "metrics": [
            {"name": "rps", "query": "sum(rate(nginx_requests_total[1m]))", "target": 100, "perReplica": true, "value": 250, "recommendation": 3,
             "at": "2026-11-26T10:00:00+00:00", "consecutiveFailures": 0, "error": null, "sourceHealthy": true},
            {"name": "queue", "query": "redis_connected_clients", "target": 50, "perReplica": false, "value": null, "recommendation": null,
             "at": null, "consecutiveFailures": 4, "error": "connection refused", "sourceHealthy": false}
          ],
          "windows": [{"name": "sale", "min": 3, "max": null, "until": "2026-11-27T18:00:00+00:00"}],
          "controls": {"paused": {{Json(paused)}}, "pausedAt": {{Json(pausedAt)}}, "dryRun": {{Json(dryRun)}}, "by": {{Json(by)}}, "reason": {{Json(reason)}},
                       "at": "2026-11-26T09:59:00+00:00"},
          "clocks": {"cooldownUpEndsAt": "2026-11-26T10:03:00+00:00", "cooldownDownEndsAt": null, "stabilizationEndsAt": "2026-11-26T10:05:00+00:00"},
          "requestPending": false,
          "lastDecision": {"decisionId": "0f8fad5b-d9cb-469f-a165-70867728950e", "service": "{{service}}", "from": 3, "to": 3, "outcome": "Cooldown",
                           "reason": "cooling down.", "trigger": "a1", "at": "2026-11-26T10:00:00+00:00", "triggerKey": "a1", "inputs": null,
                           "code": "cooldown-up", "repeats": 4, "lastRepeatAt": "2026-11-26T10:01:00+00:00"},
          "docker": {"up": true, "observedAt": "2026-11-26T10:00:01+00:00", "error": null},
          "replica": {"instance": "scaler-1", "leader": true, "leaderInstance": "scaler-1", "caughtUp": true}
        }
        """;

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
