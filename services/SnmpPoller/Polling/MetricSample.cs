namespace PretixOps.SnmpPoller.Polling;

/// <summary>One value for one metric family, with at most one label: all the host module needs.</summary>
public readonly record struct MetricSample(string Family, double Value, string? LabelName = null, string? LabelValue = null);
