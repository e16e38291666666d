using PretixOps.Registration;
using PretixOps.ServiceDefaults;

return await ServiceHost.RunAsync(
    args,
    new ServiceInfo("registration", DefaultPort: 5101),
    builder => builder.AddRegistration(),
    app => app.MapRegistration());

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
