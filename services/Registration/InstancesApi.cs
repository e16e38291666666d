using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// <c>/v1/instances</c>: register (and renew) and deregister take a credential with the role <c>register</c>, for its
/// own services only (<see cref="RegistrationScope"/>); listing takes the role <c>read</c> (a shared token has it).
/// </summary>
public static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/instances");
        group.MapPost("", RegisterAsync).RequireRole(Roles.Register);
        group.MapDelete("/{instanceId}", DeregisterAsync).RequireRole(Roles.Register);
        group.MapGet("", ListAsync).RequireRole(Roles.Read);
        return app;
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, RegistrationIntake intake, IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<RegisterInstance>(context.Request, RegistrationIntake.MaxBodyBytes, cancellationToken);
        if (body.Error is not null)
        {
            RegistrationIntake.CountRejected("v1");
            return body.Error;
        }

        if (RegistrationScope.Check(Caller.Of(context), body.Value!, context.Connection.RemoteIpAddress) is { } refused)
        {
            RegistrationIntake.CountRejected("v1");
            return refused;
        }

        var outcome = await intake.AcceptAsync(body.Value!, context.Connection.RemoteIpAddress, "v1", cancellationToken);
        return IntakeHttpAnswer.For(outcome, context, options.Value);
    }

    private static async Task<IResult> DeregisterAsync(
        string instanceId, string? service, HttpContext context, RegistrationIntake intake,
        IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        var message = new InstanceDeregistered(
            instanceId, service ?? ServiceOf(instanceId), DeregistrationReason.Explicit, DateTimeOffset.UtcNow);
        var violations = InstanceDeregisteredRules.Check(message);
        if (service is "")
        {
            // The message's empty service stands for "a task id, ask the registry"; a caller who names one names one.
            violations.Add("service", Names.Rule);
        }

        if (!violations.IsEmpty)
        {
            return Problems.Validation(violations.ByField());
        }

        // A task id alone does not say its service: only a credential that may register any service may withdraw one.
        if (RegistrationScope.ServiceRefusal(Caller.Of(context), message.Service.Length == 0 ? Credential.AnyService : message.Service) is { } refused)
        {
            return refused;
        }

        if (message.Service.Length > 0
            && RegistrationScope.InstanceRefusal(Caller.Of(context), instanceId, message.Service, "instanceId") is { } foreign)
        {
            return foreign;
        }

        if (!await intake.WithdrawAsync(message, "v1-delete", cancellationToken))
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
            if (value is not null && !Names.IsValid(value))
            {
                return Problems.Validation(new Dictionary<string, string[]> { [field] = [Names.Rule] });
            }
        }

        try
        {
            // The registry lives in DiscoveryWriter; any of its replicas answers.
            var response = await client.GetResponse<InstanceList>(new ListInstances(service, job), cancellationToken,
                RequestTimeout.After(s: (int)Math.Ceiling(options.Value.PublishTimeout.TotalSeconds)));
            return Results.Ok(response.Message.Instances.Select(i => new ListedInstance(
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
                i.ExpiresAt)));
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
