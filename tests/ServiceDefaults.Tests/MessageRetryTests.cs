using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>
/// The bus's default retry (<see cref="MessageRetry"/>) beside a consumer definition's own policy, on an in-memory
/// bus: the consumer's policy takes the exceptions it handles, the default the others, and the two never multiply.
/// (They would if a definition nested two policies: it declares its policy in one <c>UseMessageRetry</c>.)
/// </summary>
public sealed class MessageRetryTests : IAsyncLifetime
{
    private static readonly MessagingOptions Default = new()
    {
        RetryLimit = 2,
        RetryMinInterval = TimeSpan.FromMilliseconds(10),
        RetryMaxInterval = TimeSpan.FromMilliseconds(10),
    };

    private readonly Attempts _attempts = new();
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddSingleton(_attempts)
            .AddMassTransitTestHarness(bus =>
            {
                bus.AddConsumer<FlakyConsumer, FlakyConsumerDefinition>();
                bus.UsingInMemory((context, memory) =>
                {
                    memory.UseDefaultMessageRetry(Default);
                    memory.ConfigureEndpoints(context);
                });
            })
            .BuildServiceProvider(validateScopes: true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task An_exception_the_consumer_policy_handles_is_retried_past_the_default_limit_until_it_succeeds()
    {
        await _harness.Bus.Publish(new FlakyJob("disk", nameof(IOException), Failures: 6));

        Assert.True(await _harness.Consumed.Any<FlakyJob>());
        Assert.Equal(7, await _attempts.WhenDoneAsync("disk"));
        Assert.False(await _harness.Published.Any<Fault<FlakyJob>>());
    }

    [Fact]
    public async Task An_exception_the_consumer_policy_does_not_handle_gets_the_default_limit_then_the_error_queue()
    {
        await _harness.Bus.Publish(new FlakyJob("bug", nameof(InvalidOperationException), Failures: int.MaxValue));

        Assert.True(await _harness.Published.Any<Fault<FlakyJob>>());
        Assert.Equal(Default.RetryLimit + 1, _attempts.Of("bug"));
    }

    [Fact]
    public async Task A_consumer_policy_that_gives_up_is_not_retried_again_by_the_default()
    {
        await _harness.Bus.Publish(new FlakyJob("full", nameof(IOException), Failures: int.MaxValue));

        Assert.True(await _harness.Published.Any<Fault<FlakyJob>>());
        Assert.Equal(FlakyConsumerDefinition.OwnRetries + 1, _attempts.Of("full"));
    }

    [Fact]
    public async Task A_permanent_exception_goes_to_the_error_queue_without_a_retry()
    {
        await _harness.Bus.Publish(new FlakyJob("invalid", nameof(PermanentMessageException), Failures: int.MaxValue));

        Assert.True(await _harness.Published.Any<Fault<FlakyJob>>());
        Assert.Equal(1, _attempts.Of("invalid"));
    }

    public sealed record FlakyJob(string Id, string Throws, int Failures);

    /// <summary>How often each job was tried, and when it succeeded.</summary>
    public sealed class Attempts
    {
        private readonly ConcurrentDictionary<string, int> _tries = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _done = new(StringComparer.Ordinal);

        public int Next(string id) => _tries.AddOrUpdate(id, 1, (_, n) => n + 1);

        public int Of(string id) => _tries.GetValueOrDefault(id);

        public void Succeeded(string id, int attempts) => Done(id).TrySetResult(attempts);

        public Task<int> WhenDoneAsync(string id) => Done(id).Task.WaitAsync(TimeSpan.FromSeconds(30));

        private TaskCompletionSource<int> Done(string id) => _done.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Throws the exception its job names, as many times as the job says, then succeeds.</summary>
    public sealed class FlakyConsumer(Attempts attempts) : IConsumer<FlakyJob>
    {
        public Task Consume(ConsumeContext<FlakyJob> context)
        {
            var job = context.Message;
            var attempt = attempts.Next(job.Id);
            if (attempt <= job.Failures)
            {
                throw job.Throws switch
                {
                    nameof(IOException) => new IOException("disk full"),
                    nameof(PermanentMessageException) => new PermanentMessageException("never valid"),
                    _ => new InvalidOperationException("a bug"),
                };
            }

            attempts.Succeeded(job.Id, attempt);
            return Task.CompletedTask;
        }
    }

    /// <summary>Its own policy, declared beside it as a definition does: an IOException up to <see cref="OwnRetries"/> times.</summary>
    public sealed class FlakyConsumerDefinition : ConsumerDefinition<FlakyConsumer>
    {
        public const int OwnRetries = 8;

        protected override void ConfigureConsumer(
            IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FlakyConsumer> consumerConfigurator, IRegistrationContext context) =>
            consumerConfigurator.UseMessageRetry(retry =>
            {
                retry.Handle<IOException>();
                retry.Exponential(OwnRetries, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10));
            });
    }
}
