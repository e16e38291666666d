using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using PretixOps.Contracts;
using PretixOps.ServiceDefaults;
using PretixOps.TestSupport;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>
/// The retry policy <see cref="RegistryChangeConsumerDefinition"/> declares, on an in-memory bus with the services'
/// default (<see cref="MessageRetry"/>): a full disk is retried past the default's limit until the change is saved;
/// a message that can never be applied goes to the error queue at once.
/// </summary>
public sealed class RegistryChangeRetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly MessagingOptions Default = new()
    {
        RetryLimit = 2,
        RetryMinInterval = TimeSpan.FromMilliseconds(10),
        RetryMaxInterval = TimeSpan.FromMilliseconds(10),
    };

    private EngineRig _rig = null!;
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private int _attempts;

    public async Task InitializeAsync()
    {
        _rig = EngineRig.Create();
        _rig.Options.Value.SaveRetryMaxInterval = TimeSpan.FromMilliseconds(20);
        await _rig.StartAsync();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(_rig.Engine)
            .AddSingleton(_rig.Options)
            .AddMassTransitTestHarness(bus =>
            {
                // Counted in the consumer's own pipe, inside any retry: the first delivery and every retry.
                bus.AddConsumer<RegistryChangeConsumer, RegistryChangeConsumerDefinition>(
                    consumer => consumer.UseExecute(_ => Interlocked.Increment(ref _attempts)));
                bus.UsingInMemory((context, memory) =>
                {
                    memory.UseDefaultMessageRetry(Default);
                    memory.ConfigureEndpoints(context);
                });
            });
        _provider = services.BuildServiceProvider(validateScopes: true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task A_registration_the_disk_refuses_is_retried_past_the_default_limit_until_it_is_saved()
    {
        var failures = Default.RetryLimit + 3;
        _rig.State.FailNextSaves(failures);

        await _harness.Bus.Publish(Registered(at: T0));

        var listed = await Eventually.ValueAsync(() => _rig.Engine.ListAsync(null, null, CancellationToken.None), l => l.Count == 1, Bound);
        Assert.Equal("pretix_web.1", Assert.Single(listed).Registration.InstanceId);
        Assert.Equal(failures, _rig.State.Failures);
        Assert.Equal(failures + 1, Attempts());
        Assert.False(await _harness.Published.Any<Fault<InstanceRegistered>>());
    }

    [Fact]
    public async Task A_registration_that_can_never_be_applied_goes_to_the_error_queue_without_a_retry()
    {
        await _harness.Bus.Publish(Registered(address: "not an address", at: T0));

        Assert.True(await _harness.Published.Any<Fault<InstanceRegistered>>());
        Assert.Equal(1, Attempts());
        Assert.Empty(await _rig.Engine.ListAsync(null, null, CancellationToken.None));
    }

    private int Attempts() => Volatile.Read(ref _attempts);
}
