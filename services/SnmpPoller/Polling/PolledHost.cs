namespace PretixOps.SnmpPoller.Polling;

/// <summary>One host to poll, as configuration or a registration describes it.</summary>
/// <param name="Name">The <c>host</c> label: the static host's name or the registration's node.</param>
/// <param name="Address">Host name or IP address, resolved at every poll (a node's address may change).</param>
public sealed record PolledHost(string Name, string Address, int Port, string Auth, TimeSpan Interval, bool IsStatic);
