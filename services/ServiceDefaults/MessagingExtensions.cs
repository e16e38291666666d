using System.Net.Security;
using System.Reflection;
using System.Security.Authentication;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PretixOps.Tls;

namespace PretixOps.ServiceDefaults;

public static partial class MessagingExtensions
{
    /// <summary>
    /// MassTransit 8 over RabbitMQ from the <c>Messaging</c> section: kebab-case endpoints named by convention,
    /// publisher confirms (a publish completes only once the broker has the message), durable queues, the
    /// default retry policy before the <c>_error</c> queue (<see cref="MessageRetry"/>), and concurrency sized for a small machine.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddValidatedOptions<MessagingOptions>(MessagingOptions.Section);
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            configure?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit
                    && context.GetRequiredService<IOptions<MessagingOptions>>().Value.QuorumQueues)
                {
                    rabbit.SetQuorumQueue();
                }
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                var name = context.GetService<ServiceInfo>()?.Name
                    ?? Assembly.GetEntryAssembly()?.GetName().Name
                    ?? "pretixops";
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, name, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.ResolvePassword());
                    host.PublisherConfirmation = true;
                    host.Heartbeat(options.Heartbeat);
                    if (options.UseTls)
                    {
                        var logger = context.GetRequiredService<ILogger<MessagingOptions>>();
                        host.UseSsl(ssl =>
                        {
                            // Never empty: MassTransit would then accept a certificate for any name.
                            ssl.ServerName = BrokerServerName(options);
                            ssl.Protocol = BrokerProtocols;
                            // Always a callback of ours: MassTransit's default accepts a certificate that chains to nothing.
                            ssl.CertificateValidationCallback = BrokerCertificateCheck(options, reason => LogBrokerRefused(logger, reason));
                        });
                    }

                    if (options.ClusterNodes.Count > 0)
                    {
                        host.UseCluster(cluster =>
                        {
                            foreach (var node in options.ClusterNodes.Prepend($"{options.Host}:{options.Port}"))
                            {
                                cluster.Node(node);
                            }
                        });
                    }
                });
                rabbit.Durable = true;
                rabbit.PrefetchCount = options.PrefetchCount;
                rabbit.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
                rabbit.UseDefaultMessageRetry(options);
                rabbit.ConfigureEndpoints(context);

                // The bus endpoint (where answers to requests come back) is named after the service rather than after
                // the host and process (all "service" in the images): each service's broker user may then use only
                // its own (deploy/rabbitmq/definitions.json).
                rabbit.OverrideDefaultBusEndpointQueueName(BusEndpointName(name));

                // MassTransit connects lazily: a service that only publishes would hold no connection and
                // report a healthy bus with the broker gone. A temporary (auto-delete) endpoint per instance
                // keeps the connection open, so readiness follows the broker and the first publish is not
                // the one that pays for connecting.
                rabbit.ReceiveEndpoint(new TemporaryEndpointDefinition($"{name}-presence"), _ => { });
            });
        });

        // The service starts (and is live) while the broker is down; readiness says whether the bus is up,
        // and MassTransit reconnects on its own when the broker returns.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(15);
        });
        return builder;
    }

    private const SslProtocols BrokerProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// The TLS of a connection of a service's own to the broker (the Scaler's journal), the same as the bus's: off
    /// without <c>Messaging:UseTls</c>, else the same name, protocols and certificate check.
    /// </summary>
    public static RabbitMQ.Client.SslOption BrokerSsl(MessagingOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.UseTls
            ? new RabbitMQ.Client.SslOption
            {
                Enabled = true,
                ServerName = BrokerServerName(options),
                Version = BrokerProtocols,
                CertificateValidationCallback = BrokerCertificateCheck(options, reason => LogBrokerRefused(logger, reason)),
            }
            : new RabbitMQ.Client.SslOption { Enabled = false };
    }

    private static string BrokerServerName(MessagingOptions options) =>
        string.IsNullOrWhiteSpace(options.ServerName) ? options.Host : options.ServerName;

    private static RemoteCertificateValidationCallback BrokerCertificateCheck(MessagingOptions options, Action<string> refused)
    {
        if (!string.IsNullOrWhiteSpace(options.CaFile))
        {
            return CertificateAuthority.Load(options.CaFile).Callback(refused);
        }

        return (_, _, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            refused($"its certificate does not pass the system's trust store ({errors}); set {MessagingOptions.Section}:{nameof(MessagingOptions.CaFile)} to the broker's CA");
            return false;
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker was refused over TLS: {Reason}")]
    private static partial void LogBrokerRefused(ILogger logger, string reason);

    /// <summary><c>&lt;service&gt;_bus_&lt;32 hex digits&gt;</c>: a temporary queue, new with each process.</summary>
    public static string BusEndpointName(string service) => $"{service}_bus_{Guid.NewGuid():N}";
}
