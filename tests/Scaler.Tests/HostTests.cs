using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Reconciliation;
using PretixOps.TestSupport;

namespace PretixOps.Scaler.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("scaler")
{
    /// <summary>The journal, the leader lock and Docker in memory: the host's contract needs no broker or dockerd.</summary>
    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<IJournal>();
        services.RemoveAll<ILeadership>();
        services.RemoveAll<ISwarm>();
        services.AddSingleton<IJournal>(sp => new InMemoryJournal(sp.GetRequiredService<ControllerState>()));
        services.AddSingleton<ILeadership>(new FixedLeadership());
        services.AddSingleton<ISwarm>(new FakeSwarm());
    }
}
