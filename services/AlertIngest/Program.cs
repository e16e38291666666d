using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("alert-ingest", DefaultPort: 5104),
    builder => builder.AddMessaging());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
