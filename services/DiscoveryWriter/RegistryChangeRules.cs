using PretixOps.Contracts;
using PretixOps.ServiceDefaults;

namespace PretixOps.DiscoveryWriter;

/// <summary>What a registry change on the bus must look like before it may reach a file name or a target.</summary>
public static class RegistryChangeRules
{
    public static void Check(InstanceRegistered message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var problems = new List<string>();
        if (!Names.IsValid(message.InstanceId))
        {
            problems.Add("instanceId " + Names.Rule);
        }

        if (!Names.IsValid(message.Service))
        {
            problems.Add("service " + Names.Rule);
        }

        if (string.IsNullOrEmpty(message.Address) || message.Address.Length > 253 || message.Address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
        {
            problems.Add("address must be an IP address or a host name.");
        }

        if (message.Exporters is null || message.Labels is null)
        {
            problems.Add("exporters and labels are required.");
        }

        foreach (var (exporter, i) in (message.Exporters ?? []).Select((e, i) => (e, i)))
        {
            if (exporter is null || !Names.IsValid(exporter.Job) || exporter.Port is < 1 or > 65535
                || exporter.Path is null || !exporter.Path.StartsWith('/') || exporter.Scheme is not ("http" or "https")
                || exporter.Labels is null)
            {
                problems.Add($"exporters[{i}] needs a valid job, a port 1-65535, a path starting with /, http or https, and labels.");
            }
        }

        if (message.TtlSeconds < 0)
        {
            problems.Add("ttlSeconds must not be negative.");
        }

        if (problems.Count > 0)
        {
            throw new PermanentMessageException("Invalid InstanceRegistered: " + string.Join(" ", problems));
        }
    }

    public static void Check(InstanceDeregistered message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Names.IsValid(message.InstanceId))
        {
            throw new PermanentMessageException("Invalid InstanceDeregistered: instanceId " + Names.Rule);
        }
    }
}
