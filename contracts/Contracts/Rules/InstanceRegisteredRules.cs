namespace PretixOps.Contracts.Rules;

/// <summary>
/// What an <see cref="InstanceRegistered"/> must look like for any consumer to use it: exactly what
/// Registration would publish. Anyone with broker credentials can publish one, so every consumer checks it
/// again with these rules, the producer's own (<see cref="RegisterInstanceRules"/>), and none more weakly.
/// </summary>
public static class InstanceRegisteredRules
{
    public static Violations Check(InstanceRegistered message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var violations = new Violations();
        if (!NameRule.IsValid(message.InstanceId))
        {
            violations.Add("instanceId", NameRule.Text);
        }

        // The message as the request it would have been: the same rules, field by field.
        var request = new RegisterInstance(
            message.Service, message.Slot, message.TaskId, message.Node, message.Address,
            message.Exporters?.Select(e => e is null ? null! : new RegisterExporter(e.Job, e.Port, e.Path, e.Scheme, e.Labels)).ToList(),
            message.Labels, message.TtlSeconds);
        var address = RegisterInstanceRules.Check(request, callerAddress: null, violations);
        if (address is not null && !string.Equals(address, message.Address, StringComparison.Ordinal))
        {
            violations.Add("address", $"must be in its normal form, {address}.");
        }

        // What the producer fills in when a request leaves it out.
        if (message.Labels is null)
        {
            violations.Add("labels", "is required.");
        }

        if (message.Exporters is null)
        {
            violations.Add("exporters", "is required.");
        }

        foreach (var (exporter, i) in (message.Exporters ?? []).Select((e, i) => (e, i)).Where(e => e.e is not null))
        {
            foreach (var (field, value) in new[] { ("path", (object?)exporter.Path), ("scheme", exporter.Scheme), ("labels", exporter.Labels) })
            {
                if (value is null)
                {
                    violations.Add($"exporters[{i}].{field}", "is required.");
                }
            }
        }

        return violations;
    }
}
