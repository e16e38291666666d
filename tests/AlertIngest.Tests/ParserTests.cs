using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest.Tests;

/// <summary>The documentation's example payloads (Fixtures/, copied from Grafana's and Alertmanager's docs) become the right events.</summary>
public sealed class ParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_alertmanager_example_becomes_one_AlertFired_per_alert()
    {
        var events = Alertmanager("alertmanager-webhook-v4.json", AlertSource.Alertmanager, Now);

        Assert.Equal(2, events.Count);
        var first = Assert.IsType<AlertFired>(events[0]);
        Assert.Equal("alertmanager:6e8d1b2f0c1a9a7b:2026-03-14T10:21:03.157Z", first.AlertId);
        Assert.Equal(AlertSource.Alertmanager, first.Source);
        Assert.Equal("PretixWebHighLatency", first.Name);
        Assert.Equal("6e8d1b2f0c1a9a7b", first.Fingerprint);
        Assert.Equal("10.0.1.23:7250", first.Labels["instance"]);
        Assert.Equal("up", first.Labels["scale_action"]);
        Assert.Equal("https://wiki.example.org/runbooks/pretix-latency", first.Annotations["runbook_url"]);
        Assert.Equal(new DateTimeOffset(2026, 3, 14, 10, 21, 3, 157, TimeSpan.Zero), first.StartsAt);
        Assert.Null(first.EndsAt);
        Assert.Null(first.Value);
        Assert.Equal(Now, first.ReceivedAt);
        Assert.Equal("alertmanager:0b7c3e4d5f6a7b8c:2026-03-14T10:21:33.157Z", Assert.IsType<AlertFired>(events[1]).AlertId);
    }

    [Fact]
    public void The_grafana_unified_example_becomes_an_AlertFired_with_its_value_and_start_in_utc()
    {
        var fired = Assert.IsType<AlertFired>(Assert.Single(Alertmanager("grafana-unified-webhook-v1.json", AlertSource.Grafana, Now)));

        Assert.Equal("grafana:c6eadffa33fcdf37:2026-03-14T09:21:00.000Z", fired.AlertId);
        Assert.Equal(AlertSource.Grafana, fired.Source);
        Assert.Equal("PRETIX-Order POST Time Distribution alert", fired.Name);
        Assert.Equal("pretix_web", fired.Labels["service"]);
        Assert.Equal("Pretix order POST latency too high", fired.Annotations["summary"]);
        Assert.Equal(1.37, fired.Value);
    }

    [Fact]
    public void The_legacy_example_fires_with_a_fingerprint_from_rule_and_tags()
    {
        var episodes = new LegacyEpisodes();

        var fired = Assert.IsType<AlertFired>(Assert.Single(Legacy("grafana-legacy-webhook.json", episodes, Now).Events));

        Assert.Equal("NGINX-Pretix Response Time alert", fired.Name);
        Assert.Equal(AlertParser.LegacyFingerprint(7, new Dictionary<string, string> { ["service"] = "web" }), fired.Fingerprint);
        Assert.Equal($"grafana-legacy:{fired.Fingerprint}:2026-11-26T10:00:00.000Z", fired.AlertId);
        Assert.Equal("web", fired.Labels["service"]);
        Assert.Equal("NGINX-Pretix Response Time alert", fired.Labels["alertname"]);
        Assert.Equal("7", fired.Labels["grafana_rule_id"]);
        Assert.Equal(1.37, fired.Value);
        Assert.Equal("Pretix web response time above 800ms - scale web up", fired.Annotations["message"]);
    }

    [Fact]
    public void The_same_alertmanager_payload_sent_twice_yields_the_same_alert_ids()
    {
        var first = Ids(Alertmanager("alertmanager-webhook-v4.json", AlertSource.Alertmanager, Now));
        var again = Ids(Alertmanager("alertmanager-webhook-v4.json", AlertSource.Alertmanager, Now.AddHours(4)));

        Assert.Equal(first, again);
    }

    [Fact]
    public void A_legacy_reminder_keeps_its_episode_and_ok_resolves_it_under_the_same_id()
    {
        var episodes = new LegacyEpisodes();
        var fired = (AlertFired)Legacy("grafana-legacy-webhook.json", episodes, Now).Events[0];
        var reminder = (AlertFired)Legacy("grafana-legacy-webhook.json", episodes, Now.AddHours(1)).Events[0];
        var resolved = (AlertResolved)Legacy("grafana-legacy-webhook.json", episodes, Now.AddHours(2), state: "ok").Events[0];
        episodes.End(resolved.Fingerprint);
        var next = (AlertFired)Legacy("grafana-legacy-webhook.json", episodes, Now.AddHours(3)).Events[0];

        Assert.Equal(fired.AlertId, reminder.AlertId);
        Assert.Equal(fired.AlertId, resolved.AlertId);
        Assert.NotEqual(fired.AlertId, next.AlertId);
    }

    [Theory]
    [InlineData("no_data")]
    [InlineData("paused")]
    [InlineData("pending")]
    public void Legacy_states_other_than_alerting_and_ok_publish_nothing(string state)
    {
        var result = Legacy("grafana-legacy-webhook.json", new LegacyEpisodes(), Now, state);

        Assert.True(result.IsValid);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void A_resolved_alert_carries_the_id_of_its_firing()
    {
        var json = Fixture("alertmanager-webhook-v4.json")
            .Replace("\"status\": \"firing\"", "\"status\": \"resolved\"", StringComparison.Ordinal)
            .Replace("0001-01-01T00:00:00Z", "2026-03-14T10:40:00Z", StringComparison.Ordinal);
        var resolved = Parse(json, AlertSource.Alertmanager, Now).Events.Cast<AlertResolved>().ToList();

        Assert.Equal(Ids(Alertmanager("alertmanager-webhook-v4.json", AlertSource.Alertmanager, Now)), resolved.Select(r => r.AlertId));
        Assert.Equal(new DateTimeOffset(2026, 3, 14, 10, 40, 0, TimeSpan.Zero), resolved[0].EndsAt);
    }

    [Theory]
    [InlineData("\"version\": \"4\"", "\"version\": \"3\"", "version")]
    [InlineData("\"version\": \"4\",", "", "version")]
    [InlineData("\"status\": \"firing\",\n  \"receiver\"", "\"status\": \"burning\",\n  \"receiver\"", "status")]
    [InlineData("\"fingerprint\": \"6e8d1b2f0c1a9a7b\"", "\"fingerprint\": \"../../x y\"", "alerts[0].fingerprint")]
    [InlineData(",\n      \"fingerprint\": \"6e8d1b2f0c1a9a7b\"", "", "alerts[0].fingerprint")]
    [InlineData("\"startsAt\": \"2026-03-14T10:21:03.157Z\"", "\"startsAt\": \"1999-12-31T00:00:00Z\"", "alerts[0].startsAt")]
    [InlineData("\"startsAt\": \"2026-03-14T10:21:03.157Z\"", "\"startsAt\": \"2099-01-01T00:00:00Z\"", "alerts[0].startsAt")]
    [InlineData("\"startsAt\": \"2026-03-14T10:21:03.157Z\",", "", "alerts[0].startsAt")]
    [InlineData("\"alertname\": \"PretixWebHighLatency\",\n        \"instance\": \"10.0.1.23:7250\"", "\"instance\": \"10.0.1.23:7250\"", "alerts[0].labels.alertname")]
    public void A_missing_or_wrong_required_field_is_named(string find, string replace, string field)
    {
        var json = ReplaceFirst(Fixture("alertmanager-webhook-v4.json"), find, replace);

        var result = Parse(json, AlertSource.Alertmanager, Now);

        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    [Fact]
    public void More_alerts_than_the_limit_are_refused_without_listing_each()
    {
        var alerts = string.Join(",", Enumerable.Repeat("{}", 100_000));
        var result = Parse($$"""{"version":"4","status":"firing","alerts":[{{alerts}}]}""", AlertSource.Alertmanager, Now, maxAlerts: 5000);

        Assert.Equal(["alerts"], result.Errors.Keys);
    }

    [Fact]
    public void A_payload_of_many_broken_alerts_lists_at_most_twenty_errors()
    {
        var alerts = string.Join(",", Enumerable.Repeat("{}", 1000));
        var result = Parse($$"""{"version":"4","status":"firing","alerts":[{{alerts}}]}""", AlertSource.Alertmanager, Now);

        Assert.Equal(AlertParser.MaxErrorsListed, result.Errors.Count);
    }

    internal static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    private static IReadOnlyList<object> Alertmanager(string fixture, AlertSource source, DateTimeOffset now)
    {
        var result = Parse(Fixture(fixture), source, now);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return result.Events;
    }

    private static AlertParser.Result Parse(string json, AlertSource source, DateTimeOffset now, int maxAlerts = 5000)
    {
        var payload = JsonBody.Parse<AlertmanagerPayload>(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Null(payload.Error);
        return AlertParser.ParseAlertmanager(payload.Value!, source, now, maxAlerts);
    }

    [Theory]
    [InlineData("1e400", null)]
    [InlineData("-1e400", null)]
    [InlineData("1.7976931348623157e308", 1.7976931348623157e308)]
    public void A_legacy_value_that_is_not_finite_is_no_value(string number, double? expected)
    {
        var json = ReplaceFirst(Fixture("grafana-legacy-webhook.json"), "\"value\": 1.37", $"\"value\": {number}");
        var payload = JsonBody.Parse<LegacyPayload>(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Null(payload.Error);

        var fired = Assert.IsType<AlertFired>(Assert.Single(AlertParser.ParseLegacy(payload.Value!, Now, new LegacyEpisodes()).Events));

        Assert.Equal(expected, fired.Value);
        // What the bus does with it: System.Text.Json refuses infinity, so an alert carrying one could not be published.
        System.Text.Json.JsonSerializer.Serialize(fired);
    }

    private static AlertParser.Result Legacy(string fixture, LegacyEpisodes episodes, DateTimeOffset now, string state = "alerting")
    {
        var json = Fixture(fixture).Replace("\"state\": \"alerting\"", $"\"state\": \"{state}\"", StringComparison.Ordinal);
        var payload = JsonBody.Parse<LegacyPayload>(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Null(payload.Error);
        return AlertParser.ParseLegacy(payload.Value!, now, episodes);
    }

    private static IEnumerable<string> Ids(IEnumerable<object> events) =>
        events.Select(e => e is AlertFired f ? f.AlertId : ((AlertResolved)e).AlertId);

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"fixture lacks {find}");
        return text[..at] + replace + text[(at + find.Length)..];
    }
}
