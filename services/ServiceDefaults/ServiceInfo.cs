namespace PretixOps.ServiceDefaults;

/// <summary>Who a service is: its name in logs, metrics and broker connections, and the port it listens on unless told otherwise.</summary>
public sealed record ServiceInfo(string Name, int DefaultPort)
{
    public string Version { get; } =
        typeof(ServiceInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
