using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary><c>/v1/instances</c>: register (and renew), deregister, list. Every call needs a bearer token.</summary>
public static class InstancesApi
{
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/instances").RequireAccess();
        group.MapPost("", RegisterAsync);
        group.MapDelete("/{instanceId}", DeregisterAsync);
        group.MapGet("", ListAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, RegistrationPublisher publisher, IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<RegisterInstance>(context.Request, MaxBodyBytes, cancellationToken);
        if (body.Error is not null)
        {
            RegistrationPublisher.Count("v1", "rejected");
            return body.Error;
        }

        return await AcceptAsync(body.Value!, "v1", context, publisher, options.Value, cancellationToken);
    }

    /// <summary>Validates, publishes with a confirm, and answers 202, 400 or 503. Shared by both HTTP formats.</summary>
    internal static async Task<IResult> AcceptAsync(
        RegisterInstance request, string path, HttpContext context, RegistrationPublisher publisher,
        RegistrationOptions options, CancellationToken cancellationToken)
    {
        var result = RegistrationRules.Validate(request, context.Connection.RemoteIpAddress, options.DefaultTtlSeconds);
        if (!result.IsValid)
        {
            RegistrationPublisher.Count(path, "rejected");
            return Problems.Validation(result.Errors);
        }

        var registration = result.Registration!;
        if (!await publisher.TryPublishAsync(registration, path, cancellationToken))
        {
            return Problems.Unavailable(context, options.RetryAfterSeconds,
                "The message broker did not confirm the registration; it was not accepted. Send it again.");
        }

        DateTimeOffset? expiresAt = registration.TtlSeconds == 0 ? null : registration.RegisteredAt.AddSeconds(registration.TtlSeconds);
        return Results.Accepted(
            $"/v1/instances/{Uri.EscapeDataString(registration.InstanceId)}",
            new { instanceId = registration.InstanceId, expiresAt });
    }

    private static async Task<IResult> DeregisterAsync(
        string instanceId, string? service, HttpContext context, RegistrationPublisher publisher,
        IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        if (!RegistrationRules.IsName(instanceId))
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["instanceId"] = [Names.Rule],
            });
        }

        if (service is not null && !RegistrationRules.IsName(service))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["service"] = [Names.Rule] });
        }

        var message = new InstanceDeregistered(
            instanceId, service ?? ServiceOf(instanceId), DeregistrationReason.Explicit, DateTimeOffset.UtcNow);
        if (!await publisher.TryPublishAsync(message, "v1-delete", cancellationToken))
        {
            return Problems.Unavailable(context, options.Value.RetryAfterSeconds,
                "The message broker did not confirm the deregistration. Send it again.");
        }

        return Results.Accepted();
    }

    private static async Task<IResult> ListAsync(
        string? service, string? job, HttpContext context, IRequestClient<ListInstances> client,
        IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        foreach (var (field, value) in new[] { ("service", service), ("job", job) })
        {
            if (value is not null && !RegistrationRules.IsName(value))
            {
                return Problems.Validation(new Dictionary<string, string[]> { [field] = [Names.Rule] });
            }
        }

        try
        {
            // The registry lives in DiscoveryWriter; any of its replicas answers.
            var response = await client.GetResponse<InstanceList>(new ListInstances(service, job), cancellationToken,
                RequestTimeout.After(s: (int)Math.Ceiling(options.Value.PublishTimeout.TotalSeconds)));
            return Results.Ok(response.Message.Instances.Select(i => new
            {
                i.Registration.InstanceId,
                i.Registration.Service,
                i.Registration.Slot,
                i.Registration.TaskId,
                i.Registration.Node,
                i.Registration.Address,
                i.Registration.Exporters,
                i.Registration.Labels,
                i.Registration.TtlSeconds,
                i.Registration.RegisteredAt,
                i.ExpiresAt,
            }));
        }
        catch (Exception ex) when (ex is RequestTimeoutException or RequestFaultException or OperationCanceledException or RabbitMqConnectionException)
        {
            return Problems.Unavailable(context, options.Value.RetryAfterSeconds,
                "No DiscoveryWriter answered: the registry cannot be read now.");
        }
    }

    /// <summary>The service of a <c>service.slot</c> id; empty for a task id, whose service only the registry knows.</summary>
    internal static string ServiceOf(string instanceId)
    {
        var dot = instanceId.LastIndexOf('.');
        return dot > 0 && int.TryParse(instanceId.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? instanceId[..dot]
            : "";
    }
}
