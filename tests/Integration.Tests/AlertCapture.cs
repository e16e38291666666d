using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PretixOps.Contracts;

namespace PretixOps.Integration.Tests;

/// <summary>
/// A consumer of alert events on the real bus, on a durable queue of its own (so it keeps what arrives while
/// the broker restarts), deleted at the end.
/// </summary>
internal sealed class AlertCapture : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _queue = $"itest-alerts-{Guid.NewGuid():N}";

    private AlertCapture(Events received)
    {
        Received = received;
        _host = TestBus.Build("itest-alerts", bus => bus.AddConsumer<Capture>().Endpoint(e => e.Name = _queue), received);
    }

    public Events Received { get; }

    public static async Task<AlertCapture> StartAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        var capture = new AlertCapture(new Events());
        await capture._host.StartAsync();
        var bus = capture._host.Services.GetRequiredService<IBusControl>();
        Assert.Equal(BusHealthStatus.Healthy, await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60)));
        return capture;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await Infrastructure.DeleteQueueAsync(_queue);
    }

    internal sealed class Events
    {
        public ConcurrentQueue<AlertFired> Fired { get; } = new();
        public ConcurrentQueue<AlertResolved> Resolved { get; } = new();
    }

    internal sealed class Capture(Events received) : IConsumer<AlertFired>, IConsumer<AlertResolved>
    {
        public Task Consume(ConsumeContext<AlertFired> context)
        {
            received.Fired.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<AlertResolved> context)
        {
            received.Resolved.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}
