using System.CommandLine;
using PretixOps.Opsctl.Control;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl instances</c>: what Registration holds now.</summary>
internal sealed class InstancesCommand : OpsctlCommand
{
    private readonly Option<string?> _service = new("--service") { Description = "Only this service" };
    private readonly Option<string?> _job = new("--job") { Description = "Only instances with an exporter of this job" };

    public InstancesCommand() : base("instances", "What is registered now")
    {
        Options.Add(_service);
        Options.Add(_job);
        SetWork(async (parse, settings, ct) =>
        {
            using var control = new ControlPlane(settings);
            var instances = await control.InstancesAsync(parse.GetValue(_service), parse.GetValue(_job), ct);
            if (Json(parse))
            {
                Output.WriteJson(instances);
                return 0;
            }
            var table = new Table().AddColumns("Instance", "Service", "Node", "Address", "Exporters", "Expires");
            foreach (var i in instances)
            {
                table.AddRow(Markup.Escape(i.InstanceId), Markup.Escape(i.Service), Markup.Escape(i.Node ?? "-"), Markup.Escape(i.Address),
                    Markup.Escape(string.Join(", ", i.Exporters.Select(e => $"{e.Job}:{e.Port}"))), Output.Time(i.ExpiresAt));
            }
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"{instances.Count} instance(s).");
            return 0;
        });
    }
}
