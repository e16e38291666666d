using MassTransit;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// At start, asks DiscoveryWriter what is registered already, so a fresh replica polls every node at once instead
/// of waiting for the next heartbeats. Retries until DiscoveryWriter answers; events that arrive meanwhile win over
/// the older list (the directory compares registration times).
/// </summary>
public sealed class HostBootstrap(
    IServiceScopeFactory scopes,
    HostDirectory directory,
    IOptions<SnmpPollerOptions> options,
    TimeProvider clock,
    ILogger<HostBootstrap> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Discovery.Enabled)
        {
            return;
        }
        var delay = TimeSpan.FromSeconds(2);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var scope = scopes.CreateScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<ListInstances>>();
                var response = await client.GetResponse<InstanceList>(new ListInstances(null, null), stoppingToken, RequestTimeout.After(s: 10));
                foreach (var instance in response.Message.Instances)
                {
                    if (InstanceRegisteredRules.Check(instance.Registration).IsEmpty)
                    {
                        directory.Apply(instance.Registration);
                    }
                }
                logger.LogInformation("Learned {Count} registered instances from DiscoveryWriter", response.Message.Instances.Count);
                return;
            }
            catch (Exception e) when (e is RequestTimeoutException or RequestFaultException or MassTransitException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("DiscoveryWriter did not list the registered instances ({Reason}); asking again in {Delay}", e.Message, delay);
            }
            await Task.Delay(delay, clock, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        }
    }
}
