using PretixOps.DiscoveryWriter;
using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("discovery-writer", DefaultPort: 5102),
    builder => builder.AddDiscovery(),
    app => app.MapDiscovery());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
