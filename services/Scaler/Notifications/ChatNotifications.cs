using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Notifications;

/// <summary>Posts a decision as a Microsoft Teams Workflows Adaptive Card and as a Slack-compatible message.</summary>
public sealed class ChatNotifications(IHttpClientFactory http, IOptions<ScalerOptions> options, ILogger<ChatNotifications> logger)
{
    public const string Client = "notifications";

    public static bool Worth(ScaleDecisionRecorded decision) =>
        decision is { Outcome: ScaleOutcome.Failed }
        || (decision is { Outcome: ScaleOutcome.Applied or ScaleOutcome.Waiting } && decision.To != decision.From);

    public async Task NotifyAsync(ScaleDecisionRecorded decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var settings = options.Value.Notifications;
        using var client = http.CreateClient(Client);
        foreach (var url in settings.Teams())
        {
            await PostAsync(client, url, TeamsCard(decision), cancellationToken);
        }

        foreach (var url in settings.Slack())
        {
            await PostAsync(client, url, new { text = $"{Headline(decision)}\n{decision.Reason}\ntrigger: {decision.Trigger}" }, cancellationToken);
        }
    }

    public static string Headline(ScaleDecisionRecorded decision) =>
        decision?.Outcome switch
        {
            ScaleOutcome.Applied => $"Scaler: {decision.Service} scaled {decision.From} -> {decision.To}",
            ScaleOutcome.Waiting => $"Scaler: scaling {decision.Service} {decision.From} -> {decision.To} waits for Docker",
            _ => $"Scaler: scaling {decision?.Service} failed",
        };

    public static object TeamsCard(ScaleDecisionRecorded decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new
        {
            type = "message",
            attachments = new[]
            {
                new
                {
                    contentType = "application/vnd.microsoft.card.adaptive",
                    contentUrl = (string?)null,
                    content = new Dictionary<string, object>
                    {
                        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                        ["type"] = "AdaptiveCard",
                        ["version"] = "1.2",
                        ["msteams"] = new { width = "Full" },
                        ["body"] = new object[]
                        {
                            new { type = "TextBlock", text = Headline(decision), weight = "bolder", size = "medium", wrap = true },
                            new { type = "TextBlock", text = $"Triggered by {decision.Trigger}", wrap = true },
                            new
                            {
                                type = "FactSet",
                                facts = new[]
                                {
                                    new { title = "service", value = decision.Service },
                                    new { title = "outcome", value = decision.Outcome.ToString() },
                                    new { title = "replicas", value = $"{decision.From} -> {decision.To}" },
                                    new { title = "reason", value = decision.Reason },
                                    new { title = "at", value = decision.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private async Task PostAsync(HttpClient client, Uri url, object body, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(url, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The URL holds the webhook's secret: name only its host.
            logger.LogWarning("Chat webhook at {Host} answered {Status}", url.Host, (int)response.StatusCode);
            throw new HttpRequestException($"Chat webhook at {url.Host} answered {(int)response.StatusCode}.");
        }
    }
}
