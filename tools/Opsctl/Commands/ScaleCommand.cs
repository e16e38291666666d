using System.CommandLine;
using PretixOps.Contracts;
using PretixOps.Opsctl.Control;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl scale</c>: a one-off change through the Scaler's policy, and the decision it led to.</summary>
internal sealed class ScaleCommand : ServiceControlCommand
{
    private const int MaxWaitSeconds = 300;

    private readonly Argument<string> _replicas = new("replicas") { Description = "A replica count, or +N / -N" };
    private readonly Option<int> _wait = new("--wait") { Description = $"Seconds the Scaler may take to record the decision (0 to {MaxWaitSeconds})", DefaultValueFactory = _ => 30 };

    public ScaleCommand() : base("scale", "Ask the Scaler to scale a service: it applies its policy (bounds, pause) and records the decision")
    {
        Arguments.Add(_replicas);
        Options.Add(Reason);
        Options.Add(_wait);
        SetWork(async (parse, settings, ct) =>
        {
            var (count, delta) = OpsctlCommands.ParseReplicas(parse.GetRequiredValue(_replicas));
            var seconds = parse.GetValue(_wait);
            if (seconds is < 0 or > MaxWaitSeconds)
            {
                throw new UsageException($"--wait must be between 0 and {MaxWaitSeconds} seconds, not {seconds}.");
            }
            var service = parse.GetRequiredValue(Service);
            var json = Json(parse);
            using var control = new ControlPlane(settings);
            var answer = await control.ScaleAsync(service, count, delta, parse.GetRequiredValue(Reason), seconds, ct);
            if (answer.Requested is { } requested)
            {
                if (json)
                {
                    Output.WriteJson(requested.Json, Output.JsonLine);
                }
                throw new OpsctlException($"requested ({requested.Value.RequestId}), but no decision was recorded within {seconds} s; " +
                    $"'opsctl decisions --service {service}' shows it once it is.");
            }
            var decision = answer.Decision ?? throw new OpsctlException("the Scaler answered neither a decision nor a request.");
            DecisionTable.Write([decision], json);
            // Waiting: the change is taken and waits for Docker to answer; the Scaler applies it then.
            return decision.Value.Outcome is ScaleOutcome.Applied or ScaleOutcome.DryRun or ScaleOutcome.Duplicate or ScaleOutcome.Waiting ? 0 : 1;
        });
    }
}
