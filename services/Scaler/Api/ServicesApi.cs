using PretixOps.Contracts;
using PretixOps.Scaler.Intake;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Api;

/// <summary>
/// The services the policy names, and the runtime controls: <c>GET /v1/services[/{name}]</c> (any token);
/// <c>POST /v1/services/{name}/pause|resume|dry-run|scale</c> (a named credential with the role <c>operate</c>: the
/// record names it). A control is durable once answered: it is in the journal, which every replica and every restart
/// reads.
/// </summary>
public static class ServicesApi
{
    private const long MaxBody = 16 * 1024;

    /// <summary>Every control says why, for the record.</summary>
    public interface IReasoned
    {
        string? Reason { get; }
    }

    public sealed record PauseBody(string? Reason, int? Replicas) : IReasoned;

    public sealed record ResumeBody(string? Reason) : IReasoned;

    public sealed record DryRunBody(string? Reason, bool? Enabled) : IReasoned;

    public sealed record ScaleBody(string? Reason, int? Replicas, int? Delta) : IReasoned;

    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/services", async (StatusReport report, CancellationToken cancellationToken) =>
            Results.Ok(await report.AllAsync(cancellationToken))).RequireRole(Roles.Read);

        app.MapGet("/v1/services/{name}", async (string name, StatusReport report, CancellationToken cancellationToken) =>
            await report.OneAsync(name, cancellationToken) is { } status ? Results.Ok(status) : NotInPolicy(name)).RequireRole(Roles.Read);

        app.MapPost("/v1/services/{name}/pause", (string name, HttpContext context, PolicyStore policies, SignalIntake intake, StatusReport report) =>
            ControlAsync<PauseBody>(context, name, policies, report, (body, policy, errors) =>
            {
                if (body.Replicas is { } count && (count < policy.Min || count > policy.Max))
                {
                    errors["replicas"] = [$"must lie within the policy's Min and Max ({policy.Min} to {policy.Max})."];
                }

                return (by, ct) => intake.ControlAsync(name, paused: true, body.Replicas, dryRun: null, by, body.Reason!, ct);
            })).RequireRole(Roles.Operate);

        app.MapPost("/v1/services/{name}/resume", (string name, HttpContext context, PolicyStore policies, SignalIntake intake, StatusReport report) =>
            ControlAsync<ResumeBody>(context, name, policies, report, (body, _, _) =>
                (by, ct) => intake.ControlAsync(name, paused: false, pauseAt: null, dryRun: null, by, body.Reason!, ct))).RequireRole(Roles.Operate);

        app.MapPost("/v1/services/{name}/dry-run", (string name, HttpContext context, PolicyStore policies, SignalIntake intake, StatusReport report) =>
            ControlAsync<DryRunBody>(context, name, policies, report, (body, _, errors) =>
            {
                if (body.Enabled is null)
                {
                    errors["enabled"] = ["is required: true (record what would be done, touch nothing) or false."];
                }

                return (by, ct) => intake.ControlAsync(name, paused: null, pauseAt: null, body.Enabled, by, body.Reason!, ct);
            })).RequireRole(Roles.Operate);

        app.MapPost("/v1/services/{name}/scale", ScaleAsync).RequireRole(Roles.Operate);
        return app;
    }

    /// <summary>
    /// An operator's one-off change through the policy (bounds and pause apply, cooldowns do not). Answers the decision
    /// once it is recorded (200), or 202 with the request's id when the leader has not decided within <c>wait</c>
    /// seconds (default 30): the decision follows in <c>GET /v1/decisions</c> with that TriggerKey.
    /// </summary>
    private static async Task<IResult> ScaleAsync(
        string name, string? wait, HttpContext context, PolicyStore policies, SignalIntake intake, IJournal journal, TimeProvider clock)
    {
        var read = await ReadAsync<ScaleBody>(context, name, policies);
        if (read.Error is not null)
        {
            return read.Error;
        }

        var (body, errors) = (read.Body!, new Dictionary<string, string[]>());
        if ((body.Replicas is null) == (body.Delta is null))
        {
            errors["replicas"] = ["give exactly one of replicas (a count) and delta (+N or -N)."];
        }
        else if (body.Replicas is < 0 or > 1000 || body.Delta is < -1000 or > 1000)
        {
            errors[body.Replicas is null ? "delta" : "replicas"] = ["must be between 0 and 1000 (delta: -1000 to 1000)."];
        }

        var seconds = QueryValues.Number(wait, "wait", 0, 300, errors) ?? 30;

        if (RequireReason(body.Reason, errors) is { } invalid)
        {
            return invalid;
        }

        var requestId = $"operator:{Guid.NewGuid()}";
        var caller = Caller.Of(context);
        await intake.RequestAsync(requestId, name, body.Replicas, body.Delta, caller.Name!, body.Reason!, context.RequestAborted);
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            if (journal.State.DecisionFor(requestId) is { } decision)
            {
                return Results.Ok(decision.Recorded());
            }

            if (clock.GetUtcNow() >= deadline)
            {
                return Results.Accepted($"/v1/decisions?service={name}", new ScaleRequestTaken(requestId, "requested; the decision is not recorded yet."));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, context.RequestAborted);
        }
    }

    private static async Task<IResult> ControlAsync<TBody>(
        HttpContext context, string name, PolicyStore policies, StatusReport report,
        Func<TBody, ServicePolicy, Dictionary<string, string[]>, Func<string, CancellationToken, Task>> plan)
        where TBody : class, IReasoned
    {
        var read = await ReadAsync<TBody>(context, name, policies);
        if (read.Error is not null)
        {
            return read.Error;
        }

        var errors = new Dictionary<string, string[]>();
        var apply = plan(read.Body!, policies.Current.Services[name], errors);
        if (RequireReason(read.Body!.Reason, errors) is { } invalid)
        {
            return invalid;
        }

        await apply(Caller.Of(context).Name!, context.RequestAborted);
        return Results.Ok(await report.OneAsync(name, context.RequestAborted));
    }

    private static async Task<(TBody? Body, IResult? Error)> ReadAsync<TBody>(HttpContext context, string name, PolicyStore policies)
        where TBody : class
    {
        if (!policies.Current.Services.ContainsKey(name))
        {
            return (null, NotInPolicy(name));
        }

        var body = await JsonBody.ReadAsync<TBody>(context.Request, MaxBody, context.RequestAborted);
        return (body.Value, body.Error);
    }

    /// <summary>The reason is the record's answer to "why": required, one line, bounded.</summary>
    private static IResult? RequireReason(string? reason, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            errors["reason"] = ["is required: why, for the record."];
        }
        else if (reason.Length > 500 || reason.Any(char.IsControl))
        {
            errors["reason"] = ["must be one line of at most 500 characters."];
        }

        return errors.Count > 0 ? Problems.Validation(errors) : null;
    }

    private static IResult NotInPolicy(string name) =>
        Problems.Create(StatusCodes.Status404NotFound, "Not found", $"{name} is not under Scaler:Services: the Scaler never touches it.");
}
