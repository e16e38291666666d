using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace PretixOps.ServiceDefaults;

public static class ConfirmedPublisherExtensions
{
    /// <summary>
    /// A <see cref="ConfirmedPublisher"/> per scope (a request, a consumed message), timed by the owner's
    /// <paramref name="latency"/> histogram, waiting <paramref name="timeout"/> for the confirms.
    /// </summary>
    public static IServiceCollection AddConfirmedPublisher(
        this IServiceCollection services, Histogram latency, Func<IServiceProvider, TimeSpan> timeout) =>
        services.AddScoped(provider => new ConfirmedPublisher(
            provider.GetRequiredService<IPublishEndpoint>(),
            provider.GetRequiredService<IBusControl>(),
            timeout(provider),
            latency,
            provider.GetRequiredService<ILogger<ConfirmedPublisher>>()));
}
