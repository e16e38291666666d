using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// The report's registration, still understood: <c>POST /service</c> with <c>{"service":"pretix_web.3"}</c>
/// registers slot 3 of pretix_web at the caller's address, with the exporters configured for pretix_web.
/// </summary>
public static partial class ReportFormatApi
{
    public sealed record ReportRegistration(string? Service);

    public static IEndpointRouteBuilder MapReportFormatApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/service", RegisterAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, RegistrationIntake intake, IOptions<RegistrationOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!Networks.Contains(Networks.Parse(settings.ReportFormat.AllowedNetworks), context.Connection.RemoteIpAddress))
        {
            RejectedRequests.Count("forbidden_network");
            RegistrationIntake.CountRejected("report");
            return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden",
                $"POST /service is accepted only from Registration:ReportFormat:AllowedNetworks; {context.Connection.RemoteIpAddress} is not in them.");
        }

        // The report's entrypoints post with `wget --post-data`, which says form-urlencoded: the body is JSON all the same.
        var body = await JsonBody.ReadAsync<ReportRegistration>(context.Request, RegistrationIntake.MaxBodyBytes, cancellationToken, anyContentType: true);
        if (body.Error is not null)
        {
            RegistrationIntake.CountRejected("report");
            return body.Error;
        }

        var match = ServiceSlot().Match(body.Value!.Service ?? "");
        if (!match.Success)
        {
            RegistrationIntake.CountRejected("report");
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["service"] = ["must be <service>.<slot>, such as pretix_web.3."],
            });
        }

        var service = match.Groups["service"].Value;
        if (!settings.ReportFormat.Exporters.TryGetValue(service, out var exporters))
        {
            RegistrationIntake.CountRejected("report");
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["service"] = [$"'{service}' has no entry in Registration:ReportFormat:Exporters, so its exporters are unknown."],
            });
        }

        var request = new RegisterInstance(
            service,
            int.Parse(match.Groups["slot"].Value, CultureInfo.InvariantCulture),
            TaskId: null,
            Node: null,
            Address: null,
            [.. exporters.Select(e => new RegisterExporter(e.Job, e.Port, e.Path, e.Scheme, null))],
            Labels: null,
            settings.ReportFormat.TtlSeconds);
        var outcome = await intake.AcceptAsync(request, context.Connection.RemoteIpAddress, "report", cancellationToken);
        return IntakeHttpAnswer.For(outcome, context, settings);
    }

    [GeneratedRegex("^(?<service>[A-Za-z0-9][A-Za-z0-9_.-]{0,127})\\.(?<slot>[0-9]{1,7})\\z")]
    private static partial Regex ServiceSlot();
}
