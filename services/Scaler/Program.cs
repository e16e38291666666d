using PretixOps.Scaler;
using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("scaler", DefaultPort: 5105),
    builder => builder.AddScaler(),
    app => app.MapScaler());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
