using PretixOps.Opsctl.Control;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl resume</c>: the end of a pause.</summary>
internal sealed class ResumeCommand : ServiceControlCommand
{
    public ResumeCommand() : base("resume", "End a pause: the Scaler acts on its policy again")
    {
        Options.Add(Reason);
        SetWork(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            WriteControlled(await control.ResumeAsync(parse.GetRequiredValue(Service), parse.GetRequiredValue(Reason), ct), Json(parse));
            return 0;
        });
    }
}
