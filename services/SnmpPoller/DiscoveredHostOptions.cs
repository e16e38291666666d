namespace PretixOps.SnmpPoller;

/// <summary>Hosts learned from <c>InstanceRegistered.Node</c>.</summary>
public sealed class DiscoveredHostOptions
{
    public bool Enabled { get; set; } = true;

    public int Port { get; set; } = 161;

    public string Auth { get; set; } = SnmpPollerOptions.DefaultAuth;

    public TimeSpan? Interval { get; set; }

    /// <summary>How long a node stays polled after its last instance left: a rolling update must not make it flap.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<(string Setting, string Message)> Problems(SnmpPollerOptions options)
    {
        foreach (var problem in SnmpPollerOptions.PollingProblems(options, Port, Auth, Interval))
        {
            yield return problem;
        }
        if (GracePeriod < TimeSpan.Zero || GracePeriod > TimeSpan.FromDays(1))
        {
            yield return (nameof(GracePeriod), "must be between 0 and 1 day.");
        }
    }
}
