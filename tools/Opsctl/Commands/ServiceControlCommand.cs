using System.CommandLine;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary>
/// What the commands that change a service through the Scaler share (<c>pause</c>, <c>resume</c>, <c>dry-run</c>,
/// <c>scale</c>): the service, the reason for the record, and one line for what a control left the service in. Who asks
/// is what the token's credential says, never a flag: the record names the caller the Scaler authenticated.
/// </summary>
internal abstract class ServiceControlCommand : OpsctlCommand
{
    protected ServiceControlCommand(string name, string description) : base(name, description) => Arguments.Add(Service);

    protected Argument<string> Service { get; } = new("service") { Description = "A service the Scaler's policy names, such as pretix_web" };

    protected Option<string> Reason { get; } = new("--reason") { Description = "Why, for the record (one line)", Required = true };

    /// <summary>What a control left the service in, as the Scaler reports it once the control is in its record.</summary>
    protected static void WriteControlled(Answer<ServiceStatus> status, bool json)
    {
        if (json)
        {
            Output.WriteJson(status.Json);
        }
        else
        {
            AnsiConsole.WriteLine(ControlSummary(status.Value));
        }
    }

    /// <summary>One line: the state the controls are in, who set them and why, and what Docker has against what is wanted.</summary>
    private static string ControlSummary(ServiceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var controls = status.Controls;
        var state = (controls.Paused, controls.DryRun) switch
        {
            (true, true) => "paused and in dry run",
            (true, false) => "paused",
            (false, true) => "in dry run",
            _ => controls.By is null ? "acting on its policy" : "resumed",
        };
        var by = controls.By is null
            ? controls.Paused || controls.DryRun ? " by its policy" : ""
            : $" by {controls.By}" + (controls.Reason is null ? "" : $" ({controls.Reason})");
        var at = controls is { Paused: true, PausedAt: { } count } ? $" at {count} replicas" : "";
        return $"{status.Service} {state}{by}{at}; Docker has {Output.Count(status.Current)}, the controller wants {Output.Count(status.Desired)}.";
    }
}
