using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PretixOps.Contracts;

namespace PretixOps.Integration.Tests;

/// <summary>Two services' buses, configured as the services configure theirs, over the real RabbitMQ.</summary>
public sealed class BusTests
{
    [Fact]
    public async Task A_message_published_by_one_service_reaches_a_consumer_in_another()
    {
        await Infrastructure.RequireBrokerAsync();
        var received = new Received();
        var queue = $"itest-discovery-{Guid.NewGuid():N}";
        using var consumerHost = BuildHost("discovery-writer", bus =>
            bus.AddConsumer<CaptureRegistrations>().Endpoint(e =>
            {
                e.Name = queue;
                e.Temporary = true;
            }),
            received);
        using var publisherHost = BuildHost("registration", configure: null, received);
        await consumerHost.StartAsync();
        await publisherHost.StartAsync();
        try
        {
            // The consumer's queue must exist and be bound before the publish, or the message has nowhere to go.
            var consumerBus = consumerHost.Services.GetRequiredService<IBusControl>();
            Assert.Equal(BusHealthStatus.Healthy, await consumerBus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60)));
            var sent = new InstanceRegistered(
                $"pretix_web.{Random.Shared.Next(1, 99)}", "pretix_web", 3, "task-1", "node-1", "127.0.0.1",
                [new ExporterEndpoint("pretix", 8000, "/metrics", "http", new Dictionary<string, string>())],
                new Dictionary<string, string> { ["env"] = "test" }, 90, DateTimeOffset.UtcNow);

            await publisherHost.Services.GetRequiredService<IPublishEndpoint>().Publish(sent);

            var (message, messageType) = await received.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(JsonSerializer.Serialize(sent), JsonSerializer.Serialize(message));
            Assert.Equal("urn:message:PretixOps.Contracts:InstanceRegistered", messageType);
        }
        finally
        {
            await publisherHost.StopAsync();
            await consumerHost.StopAsync();
        }
    }

    [Fact]
    public async Task With_its_first_node_down_a_service_connects_to_another_node_of_the_cluster()
    {
        await Infrastructure.RequireBrokerAsync();
        // Port 1 answers nothing: the configured host is a dead node, the cluster's other node the live broker.
        using var host = TestBus.BuildWith("registration", new Dictionary<string, string?>
        {
            ["Port"] = "1",
            ["ClusterNodes:0"] = $"{Infrastructure.RabbitHost}:{Infrastructure.RabbitPort}",
        }, configure: null);
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            Assert.Equal(BusHealthStatus.Healthy, await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost BuildHost(string name, Action<IBusRegistrationConfigurator>? configure, Received received) =>
        TestBus.Build(name, configure, received);

    internal sealed class Received : TaskCompletionSource<(InstanceRegistered Message, string? MessageType)>;

    internal sealed class CaptureRegistrations(Received received) : IConsumer<InstanceRegistered>
    {
        public Task Consume(ConsumeContext<InstanceRegistered> context)
        {
            received.TrySetResult((context.Message, context.SupportedMessageTypes.FirstOrDefault()));
            return Task.CompletedTask;
        }
    }
}
