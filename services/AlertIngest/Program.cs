using PretixOps.AlertIngest;
using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("alert-ingest", DefaultPort: 5104),
    builder => builder.AddAlertIngest(),
    app => app.MapAlertIngest());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
