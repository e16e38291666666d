using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.AlertIngest;

public sealed class WebhookHandler(
    IOptions<AlertIngestOptions> options,
    WebhookAuthenticators authenticators,
    ConfirmedPublisher publisher,
    LegacyEpisodes episodes,
    TimeProvider clock,
    ILogger<WebhookHandler> logger)
{
    public async Task<IResult> HandleAsync(HttpContext context, AlertSource source)
    {
        var settings = options.Value;
        var authenticator = authenticators.For(source);
        if (!authenticator.HeaderCredentialsValid(context.Request.Headers.Authorization.ToString()))
        {
            return Unauthorized(context, authenticator, "Valid credentials for this endpoint are required.");
        }

        var body = await JsonBody.ReadBytesAsync(context.Request, settings.MaxBodyBytes, context.RequestAborted);
        if (body.Error is not null)
        {
            return body.Error;
        }

        if (authenticator.SignatureProblem(context.Request.Headers, body.Value) is { } problem)
        {
            return Unauthorized(context, authenticator, "Signature refused: " + problem);
        }

        var now = clock.GetUtcNow();
        AlertParser.Result parsed;
        if (source == AlertSource.GrafanaLegacy)
        {
            var payload = JsonBody.Parse<LegacyPayload>(body.Value);
            if (payload.Error is not null)
            {
                authenticator.Release(context.Request.Headers);
                return payload.Error;
            }

            parsed = AlertParser.ParseLegacy(payload.Value!, now, episodes);
            if (parsed.IsValid && parsed.Events.Count == 0)
            {
                logger.LogInformation("Grafana legacy rule {Rule} is {State}: recorded, nothing to publish",
                    payload.Value!.RuleName, payload.Value.State);
                WebhookApi.Count(source, payload.Value.State!);
            }
        }
        else
        {
            var payload = JsonBody.Parse<AlertmanagerPayload>(body.Value);
            if (payload.Error is not null)
            {
                authenticator.Release(context.Request.Headers);
                return payload.Error;
            }

            parsed = AlertParser.ParseAlertmanager(payload.Value!, source, now, settings.MaxAlerts);
        }

        if (!parsed.IsValid)
        {
            authenticator.Release(context.Request.Headers);
            RejectedRequests.Count("invalid");
            return Problems.Validation(parsed.Errors);
        }

        if (!await publisher.TryPublishAsync(parsed.Events, context.RequestAborted))
        {
            authenticator.Release(context.Request.Headers);
            return Problems.Unavailable(context, settings.RetryAfterSeconds,
                "The message broker did not confirm the alerts; none is acknowledged. Send them again.");
        }

        foreach (var resolved in parsed.Events.OfType<AlertResolved>().Where(r => r.Source == AlertSource.GrafanaLegacy))
        {
            episodes.End(resolved.Fingerprint);
        }

        var firing = parsed.Events.Count(e => e is AlertFired);
        WebhookApi.Count(source, "firing", firing);
        WebhookApi.Count(source, "resolved", parsed.Events.Count - firing);
        var alertIds = parsed.Events.Select(e => e is AlertFired f ? f.AlertId : ((AlertResolved)e).AlertId).ToList();
        // One line a payload, in the webhook's trace: the Scaler's step for these alerts continues it.
        logger.LogInformation("Published {Firing} firing and {Resolved} resolved alerts from {Source}: {AlertIds}",
            firing, parsed.Events.Count - firing, source, alertIds);
        return Results.Ok(new { published = parsed.Events.Count, alertIds });
    }

    private static IResult Unauthorized(HttpContext context, WebhookAuthenticator authenticator, string detail)
    {
        RejectedRequests.Count("unauthorized");
        context.Response.Headers.WWWAuthenticate = authenticator.Challenge;
        return Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }
}
