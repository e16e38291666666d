using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("snmp-poller", DefaultPort: 5103),
    builder => builder.AddMessaging());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
