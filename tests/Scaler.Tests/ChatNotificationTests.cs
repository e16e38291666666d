using PretixOps.Scaler.Notifications;
using PretixOps.Scaler.Policy;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.Scaler.Tests;

/// <summary>Applied and failed decisions reach Teams (Adaptive Card) and Slack-compatible webhooks; a webhook that fails makes the notification fail, so the bus retries it.</summary>
public sealed class ChatNotificationTests
{
    private static readonly ScaleDecisionRecorded Applied = new(
        Guid.NewGuid(), "pretix_web", 2, 3, ScaleOutcome.Applied, "rule web-labelled: step up 1: 2 -> 3.",
        "alertmanager:6e8d1b2f0c1a9a7b:2026-03-14T10:21:03.157Z", new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_applied_decision_is_posted_as_an_adaptive_card_and_a_slack_message()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK);

        await Notifications(handler).NotifyAsync(Applied, CancellationToken.None);

        Assert.Equal(2, handler.Requests.Count);
        using var card = JsonDocument.Parse(handler.Requests[0].Body);
        var content = card.RootElement.GetProperty("attachments")[0];
        Assert.Equal("https://teams.example/hook", handler.Requests[0].Url);
        Assert.Equal("application/vnd.microsoft.card.adaptive", content.GetProperty("contentType").GetString());
        Assert.Equal("AdaptiveCard", content.GetProperty("content").GetProperty("type").GetString());
        Assert.Equal("Scaler: pretix_web scaled 2 -> 3", content.GetProperty("content").GetProperty("body")[0].GetProperty("text").GetString());
        using var slack = JsonDocument.Parse(handler.Requests[1].Body);
        Assert.StartsWith("Scaler: pretix_web scaled 2 -> 3", slack.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScaleOutcome.Applied, true)]
    [InlineData(ScaleOutcome.Failed, true)]
    [InlineData(ScaleOutcome.Cooldown, false)]
    [InlineData(ScaleOutcome.Duplicate, false)]
    [InlineData(ScaleOutcome.DryRun, false)]
    public void Only_applied_and_failed_decisions_are_worth_a_message(ScaleOutcome outcome, bool worth)
    {
        Assert.Equal(worth, ChatNotifications.Worth(Applied with { Outcome = outcome }));
    }

    [Fact]
    public async Task A_webhook_that_answers_an_error_fails_the_notification_without_naming_its_secret_url()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => Notifications(new RecordingHandler(HttpStatusCode.BadGateway)).NotifyAsync(Applied, CancellationToken.None));

        Assert.Contains("teams.example", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/hook", error.Message, StringComparison.Ordinal);
    }

    private static ChatNotifications Notifications(RecordingHandler handler) => new(
        new Factory(handler),
        Options.Create(new ScalerOptions
        {
            Notifications = new NotificationOptions { TeamsUrls = ["https://teams.example/hook"], SlackUrls = ["https://slack.example/services/T/B/x"] },
        }),
        NullLogger<ChatNotifications>.Instance);

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class RecordingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public List<(string Url, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!.ToString(), await request.Content!.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(status);
        }
    }
}
