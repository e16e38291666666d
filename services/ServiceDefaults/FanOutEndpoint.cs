using MassTransit;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A queue of one replica's own, for a service whose every replica needs every message (a fan-out, not
/// competing consumers): durable, so a replica that restarts misses nothing, and named with the replica's
/// instance name. The broker deletes it after a day unused, so the queue of a replica that is gone for good
/// does not fill up forever.
/// </summary>
public static class FanOutEndpoint
{
    public static readonly TimeSpan ExpiresUnused = TimeSpan.FromDays(1);

    /// <summary><c>&lt;service&gt;-&lt;instanceName&gt;</c>.</summary>
    public static string Name(string service, string instanceName) => $"{service}-{instanceName}";

    /// <summary>Declares the endpoint's queue as a replica's own: deleted after <see cref="ExpiresUnused"/> without a consumer.</summary>
    public static void ExpireWhenUnused(this IReceiveEndpointConfigurator endpoint)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.QueueExpiration = ExpiresUnused;
        }
    }
}
