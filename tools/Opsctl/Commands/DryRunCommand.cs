using System.CommandLine;
using PretixOps.Opsctl.Control;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dry-run</c>: a service's dry run on (record, touch nothing) or off.</summary>
internal sealed class DryRunCommand : ServiceControlCommand
{
    private readonly Argument<string> _mode = new("on|off") { Description = "on: record what would be done and touch nothing; off: act again" };

    public DryRunCommand() : base("dry-run", "Turn a service's dry run on or off")
    {
        Arguments.Add(_mode);
        Options.Add(Reason);
        SetWork(async (parse, settings, ct) =>
        {
            var enabled = parse.GetRequiredValue(_mode) switch
            {
                "on" => true,
                "off" => false,
                var other => throw new UsageException($"dry-run takes on or off, not '{other}'."),
            };
            using var control = new ControlPlane(settings);
            WriteControlled(await control.DryRunAsync(parse.GetRequiredValue(Service), enabled, parse.GetRequiredValue(Reason), ct), Json(parse));
            return 0;
        });
    }
}
