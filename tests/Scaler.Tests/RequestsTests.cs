using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Tests;

public sealed class RequestsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ScalerOptions Options = new()
    {
        Services = { ["pretix_web"] = new ServicePolicy(), ["pretix_redisslave"] = new ServicePolicy() },
        Rules =
        [
            new() { Name = "by-name", Alertname = "NGINX-Pretix Response Time alert", Service = "pretix_web" },
            new() { Name = "by-labels", Labels = { ["service"] = "pretix_redisslave", ["scale_action"] = "up" }, Service = "pretix_redisslave" },
            new() { Name = "by-both", Alertname = "Quiet", Labels = { ["service"] = "pretix_web" }, Service = "pretix_web", Direction = Direction.Down },
            new() { Name = "later-same-name", Alertname = "NGINX-Pretix Response Time alert", Service = "pretix_redisslave" },
        ],
    };

    [Theory]
    [InlineData("NGINX-Pretix Response Time alert", "", true)]
    [InlineData("NGINX-Pretix Response Time alert", "team=web", true)]
    [InlineData("nginx-pretix response time alert", "", false)]
    [InlineData("Other alert", "", false)]
    public void A_rule_with_an_alertname_matches_that_name_exactly(string alertname, string labels, bool matches)
    {
        var rule = new ScaleRule { Alertname = "NGINX-Pretix Response Time alert" };

        Assert.Equal(matches, rule.Matches(alertname, Labels(labels)));
    }

    [Theory]
    [InlineData("service=pretix_web,scale_action=up", true)]
    [InlineData("service=pretix_web,scale_action=up,severity=critical", true)]
    [InlineData("service=pretix_web", false)]
    [InlineData("service=pretix_web,scale_action=down", false)]
    [InlineData("service=pretix_redisslave,scale_action=up", false)]
    [InlineData("", false)]
    public void A_rule_with_labels_matches_only_when_every_label_matches(string labels, bool matches)
    {
        var rule = new ScaleRule { Labels = { ["service"] = "pretix_web", ["scale_action"] = "up" } };

        Assert.Equal(matches, rule.Matches("any alert", Labels(labels)));
    }

    [Theory]
    [InlineData("Quiet", "service=pretix_web", true)]
    [InlineData("Quiet", "service=pretix_redisslave", false)]
    [InlineData("Loud", "service=pretix_web", false)]
    public void A_rule_with_an_alertname_and_labels_needs_both(string alertname, string labels, bool matches)
    {
        var rule = new ScaleRule { Alertname = "Quiet", Labels = { ["service"] = "pretix_web" } };

        Assert.Equal(matches, rule.Matches(alertname, Labels(labels)));
    }

    [Theory]
    [InlineData("NGINX-Pretix Response Time alert", "", "pretix_web", Direction.Up, true)]
    [InlineData("NGINX-Pretix Response Time alert", "service=pretix_redisslave,scale_action=up", "pretix_web", Direction.Up, true)]
    [InlineData("Any", "service=pretix_redisslave,scale_action=up", "pretix_redisslave", Direction.Up, true)]
    [InlineData("Quiet", "service=pretix_web", "pretix_web", Direction.Down, false)]
    public void A_firing_alert_takes_service_and_direction_from_the_first_matching_rule(
        string alertname, string labels, string service, Direction direction, bool upReason)
    {
        var request = Requests.For(Fired("a-1", alertname, labels), Options);

        Assert.Equal(new ScaleRequest("a-1/fired", "a-1", service, direction, upReason), request);
    }

    [Fact]
    public void A_firing_alert_no_rule_matches_becomes_a_request_without_a_service()
    {
        var request = Requests.For(Fired("a-2", "Disk almost full", "service=pretix_web"), Options);

        Assert.Equal(new ScaleRequest("a-2/fired", "a-2", null, null, false), request);
    }

    [Fact]
    public void A_resolved_up_alert_becomes_a_scale_down_of_its_own_episode()
    {
        var request = Requests.For(Resolved("a-3", "NGINX-Pretix Response Time alert", ""), Options);

        Assert.Equal(new ScaleRequest("a-3/resolved", "a-3", "pretix_web", Direction.Down, false), request);
    }

    [Fact]
    public void A_resolved_down_alert_asks_for_nothing()
    {
        Assert.Null(Requests.For(Resolved("a-4", "Quiet", "service=pretix_web"), Options));
    }

    [Fact]
    public void A_resolved_alert_no_rule_matches_becomes_a_request_without_a_service()
    {
        var request = Requests.For(Resolved("a-5", "Disk almost full", ""), Options);

        Assert.Equal(new ScaleRequest("a-5/resolved", "a-5", null, null, false), request);
    }

    [Theory]
    [InlineData(4, null)]
    [InlineData(0, null)]
    [InlineData(null, 2)]
    [InlineData(null, -1)]
    public void An_operator_request_is_keyed_by_its_message_and_names_who_asked(int? replicas, int? delta)
    {
        var id = Guid.NewGuid();

        var request = Requests.For(new ScaleService("pretix_web", replicas, delta, "load test", "alice"), id);

        Assert.Equal(new ScaleRequest($"operator:{id}", "operator:alice", "pretix_web", null, false, replicas, delta), request);
    }

    [Theory]
    [InlineData("pretix_web", 4, 1, "load test", "alice")]
    [InlineData("pretix_web", null, null, "load test", "alice")]
    [InlineData("pretix_web", -1, null, "load test", "alice")]
    [InlineData("../x", 4, null, "load test", "alice")]
    [InlineData("", 4, null, "load test", "alice")]
    [InlineData("pretix_web", 4, null, "", "alice")]
    [InlineData("pretix_web", 4, null, "  ", "alice")]
    [InlineData("pretix_web", 4, null, "load test", "")]
    public void An_invalid_operator_request_is_refused_for_good(string service, int? replicas, int? delta, string reason, string requestedBy)
    {
        var error = Assert.Throws<PermanentMessageException>(
            () => Requests.For(new ScaleService(service, replicas, delta, reason, requestedBy), Guid.NewGuid()));

        Assert.StartsWith("Invalid ScaleService:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alert_without_an_id_a_name_or_labels_is_refused_for_good_naming_what_it_lacks()
    {
        var fired = Assert.Throws<PermanentMessageException>(
            () => Requests.For(Fired("a-6", "Quiet", "") with { AlertId = null!, Labels = null! }, Options));
        var resolved = Assert.Throws<PermanentMessageException>(
            () => Requests.For(Resolved("a-7", "", "service=pretix_web"), Options));

        Assert.Equal("Invalid AlertFired: AlertId, Labels are missing.", fired.Message);
        Assert.Equal("Invalid AlertResolved: Name is missing.", resolved.Message);
        Assert.False(Requests.IsWellFormed(Fired("a-8", "Quiet", "") with { Labels = null! }));
        Assert.True(Requests.IsWellFormed(Fired("a-9", "Quiet", "")));
        Assert.False(Requests.IsWellFormed(Resolved("a-10", " ", "")));
    }

    private static Dictionary<string, string> Labels(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    private static AlertFired Fired(string id, string name, string labels) =>
        new(id, AlertSource.Alertmanager, name, "fp-" + id, Labels(labels), new Dictionary<string, string>(), T0, null, 1.5, T0);

    private static AlertResolved Resolved(string id, string name, string labels) =>
        new(id, AlertSource.Alertmanager, name, "fp-" + id, Labels(labels), new Dictionary<string, string>(), T0, T0.AddMinutes(5), null, T0);
}
