using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller;

/// <summary>One host polled from configuration.</summary>
public sealed class StaticHostOptions
{
    /// <summary>The <c>host</c> label; also matches a registration's <c>node</c>, so a node is never polled twice.</summary>
    public string Name { get; set; } = "";

    /// <summary>Host name or IP address; defaults to <see cref="Name"/>.</summary>
    public string? Address { get; set; }

    public int Port { get; set; } = 161;

    public string Auth { get; set; } = SnmpPollerOptions.DefaultAuth;

    public TimeSpan? Interval { get; set; }

    public IEnumerable<(string Setting, string Message)> Problems(SnmpPollerOptions options)
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "must be a name: letters, digits, '_', '.', '-'.");
        }
        foreach (var problem in SnmpPollerOptions.PollingProblems(options, Port, Auth, Interval))
        {
            yield return problem;
        }
    }
}
