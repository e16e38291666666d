using PretixOps.ServiceDefaults;
using PretixOps.SnmpPoller;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("snmp-poller", DefaultPort: 5103),
    builder => builder.AddSnmpPoller(),
    app => app.MapSnmpPoller());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
