using System.CommandLine;
using PretixOps.Opsctl.Control;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl pause</c>: the Scaler keeps deciding and recording, and changes nothing.</summary>
internal sealed class PauseCommand : ServiceControlCommand
{
    private readonly Option<int?> _replicas = new("--replicas") { Description = "Hold it at this count (within the policy's Min and Max) instead of where it is" };

    public PauseCommand() : base("pause", "Hold a service: the Scaler keeps deciding and recording, and changes nothing")
    {
        Options.Add(Reason);
        Options.Add(_replicas);
        SetWork(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            WriteControlled(await control.PauseAsync(parse.GetRequiredValue(Service), parse.GetRequiredValue(Reason), parse.GetValue(_replicas), ct),
                Json(parse));
            return 0;
        });
    }
}
