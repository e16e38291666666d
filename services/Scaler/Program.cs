using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("scaler", DefaultPort: 5105),
    builder => builder.AddMessaging());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
