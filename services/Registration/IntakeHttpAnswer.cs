using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>What both HTTP doors answer for an intake's outcome: 202 with the instance id and expiry, 400 naming each field, 422 for a node the swarm does not have, or 503.</summary>
internal static class IntakeHttpAnswer
{
    public static IResult For(RegistrationIntake.Outcome outcome, HttpContext context, RegistrationOptions options) =>
        outcome.Result switch
        {
            RegistrationIntake.Result.Rejected => Problems.Validation(new Dictionary<string, string[]>(outcome.Errors)),
            RegistrationIntake.Result.Unavailable => Problems.Unavailable(context, options.RetryAfterSeconds,
                "The message broker did not confirm the registration; it was not accepted. Send it again."),
            RegistrationIntake.Result.UnknownNode => Results.ValidationProblem(new Dictionary<string, string[]>(outcome.Errors),
                detail: "The registration names a node the swarm does not have.", title: "Unknown node",
                statusCode: StatusCodes.Status422UnprocessableEntity),
            RegistrationIntake.Result.NodesUnreadable => Problems.Unavailable(context, options.RetryAfterSeconds,
                "The swarm's node list could not be read to check the node; the registration was not accepted. Send it again."),
            _ => Accepted(outcome.Registration!),
        };

    private static IResult Accepted(Contracts.InstanceRegistered registration)
    {
        DateTimeOffset? expiresAt = registration.TtlSeconds == 0 ? null : registration.RegisteredAt.AddSeconds(registration.TtlSeconds);
        return Results.Accepted(
            $"/v1/instances/{Uri.EscapeDataString(registration.InstanceId)}",
            new { instanceId = registration.InstanceId, expiresAt });
    }
}
