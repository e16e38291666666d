using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>A message only these tests send.</summary>
public sealed record OpsctlProbe(int Number, string Kind);

/// <summary>opsctl against the real broker, with dead letters made by MassTransit's own fault path.</summary>
public sealed class OpsctlTests : IAsyncLifetime
{
    private readonly string _queue = $"itest-opsctl-{Guid.NewGuid():N}"[..24];
    private readonly string _state = Directory.CreateTempSubdirectory("opsctl-state-").FullName;
    private readonly Probes _probes = new();
    private Dictionary<string, string?> _env = null!;

    private bool _quorum;

    private string ErrorQueue => _queue + "_error";

    public async Task InitializeAsync()
    {
        await Infrastructure.RequireBrokerAsync();
        _env = Opsctl.Environment(_state);
    }

    public async Task DisposeAsync()
    {
        foreach (var queue in new[] { _queue, ErrorQueue, _queue + "_skipped", ErrorQueue + "_archive" })
        {
            await Infrastructure.DeleteQueueAsync(queue);
        }
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Dead_letters_of_quorum_queues_are_replayed_once_each_with_their_ids()
    {
        // A clustered deployment (Messaging:QuorumQueues) dead-letters into quorum queues and replays into them.
        _quorum = true;
        var ids = await FailAsync(invalid: 50, argument: 0);
        using (var http = Infrastructure.Management())
        {
            foreach (var queue in new[] { _queue, ErrorQueue })
            {
                var described = await http.GetFromJsonAsync<JsonElement>($"queues/%2F/{queue}");
                Assert.Equal("quorum", described.GetProperty("type").GetString());
            }
        }

        _probes.Healthy = true;
        await using var bus = await ConsumeAsync();
        var replay = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--all");
        Assert.True(replay.ExitCode == 0, replay.Output);
        Assert.Contains("Replayed 50 of 50 selected", replay.Output, StringComparison.Ordinal);

        await Eventually.ValueAsync(() => Task.FromResult(_probes.Processed.Count), n => n >= 50);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(50, _probes.Processed.Count);
        Assert.All(_probes.Processed.Values, count => Assert.Equal(1, count));
        Assert.Equal(ids.Select(i => i.MessageId).Order(), _probes.MessageIds.Order());
        Assert.Equal(0, await Opsctl.DepthAsync(ErrorQueue));
    }

    [Fact]
    public async Task Failures_are_grouped_and_replaying_one_exception_returns_exactly_those_without_fault_headers_and_with_their_ids()
    {
        var ids = await FailAsync(invalid: 4, argument: 2);

        var list = await Opsctl.RunAsync(_env, "dlq", "list", "--json");
        Assert.True(list.ExitCode == 0, list.Output);
        using (var json = JsonDocument.Parse(list.Output))
        {
            var groups = json.RootElement.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("queue").GetString() == ErrorQueue)
                .ToDictionary(g => g.GetProperty("exception").GetString()!, g => g.GetProperty("count").GetInt32());
            Assert.Equal(new Dictionary<string, int> { ["System.InvalidOperationException"] = 4, ["System.ArgumentException"] = 2 }, groups);
            Assert.All(json.RootElement.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("queue").GetString() == ErrorQueue),
                g => Assert.Equal("PretixOps.Integration.Tests.OpsctlProbe", g.GetProperty("messageType").GetString()));
        }

        var show = await Opsctl.RunAsync(_env, "dlq", "show", ErrorQueue, "--json", "--limit", "10");
        Assert.True(show.ExitCode == 0, show.Output);
        using (var json = JsonDocument.Parse(show.Output))
        {
            var first = json.RootElement[0];
            Assert.Equal(_queue, first.GetProperty("inputQueue").GetString());
            Assert.EndsWith("ProbeConsumer", first.GetProperty("consumer").GetString(), StringComparison.Ordinal);
            Assert.Contains("probe", first.GetProperty("exceptionMessage").GetString(), StringComparison.Ordinal);
            Assert.Equal(Environment.MachineName, first.GetProperty("host").GetString());
        }

        _probes.Healthy = true;
        await using var bus = await ConsumeAsync();
        var replay = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--exception", "InvalidOperationException");
        Assert.True(replay.ExitCode == 0, replay.Output);
        Assert.Contains("Replayed 4 of 4 selected", replay.Output, StringComparison.Ordinal);

        var processed = await Eventually.ValueAsync(() => Task.FromResult(_probes.Processed.Count), n => n >= 4);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(4, _probes.Processed.Count);
        Assert.All(_probes.Processed.Values, count => Assert.Equal(1, count));
        Assert.Equal(ids.Where(i => i.Kind == "invalid").Select(i => i.MessageId).Order(), _probes.MessageIds.Order());
        Assert.All(_probes.HeaderNames, name => Assert.False(name.StartsWith("MT-Fault-", StringComparison.Ordinal) || name.StartsWith("MT-Host-", StringComparison.Ordinal)
            || name == "MT-Reason", name));
        Assert.Equal(2, await Eventually.ValueAsync(() => Opsctl.DepthAsync(ErrorQueue), d => d == 2));
    }

    [Fact]
    public async Task Filters_and_dry_runs_select_what_they_say_and_a_dry_run_changes_nothing()
    {
        var ids = await FailAsync(invalid: 3, argument: 0);
        var one = ids[0].MessageId.ToString();

        foreach (var args in new[]
        {
            new[] { "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
            ["--until", "2h"],
            ["--message-type", "SomethingElse"],
            ["--exception", "ArgumentException"],
        })
        {
            var none = await Opsctl.RunAsync(_env, ["dlq", "replay", ErrorQueue, "--json", .. args]);
            Assert.True(none.ExitCode == 0, none.Output);
            Assert.Equal(0, JsonDocument.Parse(none.Output).RootElement.GetProperty("selected").GetInt32());
        }
        var dry = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--id", one, "--dry-run");
        Assert.Contains("Dry run: 1 of 3 messages would be replayed; nothing changed.", dry.Output, StringComparison.Ordinal);
        var all = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--since", "1h", "--message-type", "OpsctlProbe", "--dry-run");
        Assert.Contains("Dry run: 3 of 3", all.Output, StringComparison.Ordinal);
        Assert.Equal(3, (await Opsctl.MessageIdsAsync(ErrorQueue)).Count);

        var exact = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--id", one);
        Assert.True(exact.ExitCode == 0, exact.Output);
        Assert.Equal([one], await Opsctl.MessageIdsAsync(_queue));
        Assert.DoesNotContain(one, await Opsctl.MessageIdsAsync(ErrorQueue));

        var archived = await Opsctl.RunAsync(_env, "dlq", "archive", ErrorQueue, "--all");
        Assert.True(archived.ExitCode == 0, archived.Output);
        Assert.Equal(2, (await Opsctl.MessageIdsAsync(ErrorQueue + "_archive")).Count);
        var purge = await Opsctl.RunAsync(_env, "dlq", "purge", ErrorQueue + "_archive", "--all", "--yes");
        Assert.Contains("Deleted 2 of 2", purge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_killed_halfway_loses_nothing_and_the_rerun_finishes_without_a_duplicate()
    {
        var ids = await FailAsync(invalid: 1_000, argument: 0);
        using (var replay = Opsctl.Start(_env, "dlq", "replay", ErrorQueue, "--all", "--rate", "200"))
        {
            await Eventually.ValueAsync(() => Opsctl.DepthAsync(_queue), depth => depth >= 300);
            replay.Kill();
            await replay.WaitForExitAsync();
        }
        await AssertNoneMissingAsync(ids);
        await FinishAndProcessOnceAsync(ids);
    }

    [Fact]
    public async Task Ctrl_c_finishes_the_batch_in_flight_stops_and_the_rerun_completes()
    {
        var ids = await FailAsync(invalid: 600, argument: 0);
        using (var replay = Opsctl.Start(_env, "dlq", "replay", ErrorQueue, "--all", "--rate", "200"))
        {
            await Eventually.ValueAsync(() => Opsctl.DepthAsync(_queue), depth => depth >= 100);
            var interrupt = await Cli.RunAsync("kill", ["-INT", replay.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(0, interrupt.ExitCode);
            await replay.WaitForExitAsync();
            replay.WaitForExit();
            Assert.Equal(1, replay.ExitCode);
            Assert.Contains(Opsctl.Printed(replay), line => line.Contains("stopped by Ctrl+C, run it again to finish.", StringComparison.Ordinal));
        }
        await AssertNoneMissingAsync(ids);
        await FinishAndProcessOnceAsync(ids);
    }

    [Fact]
    public async Task A_replay_cut_off_by_the_broker_stopping_loses_nothing_and_the_rerun_finishes_without_a_duplicate()
    {
        var ids = await FailAsync(invalid: 400, argument: 0);
        try
        {
            // Slow enough that stopping RabbitMQ (several seconds through the infra script) lands mid-replay.
            using var replay = Opsctl.Start(_env, "dlq", "replay", ErrorQueue, "--all", "--rate", "20");
            await Eventually.ValueAsync(() => Opsctl.DepthAsync(_queue), depth => depth >= 20);
            await Infrastructure.InfraAsync("stop", "rabbitmq");
            await replay.WaitForExitAsync();
            Assert.Equal(1, replay.ExitCode);
        }
        finally
        {
            await Infrastructure.InfraAsync("start", "rabbitmq");
        }
        await AssertNoneMissingAsync(ids);
        await FinishAndProcessOnceAsync(ids);
    }

    [Fact]
    public async Task Instances_lists_what_registration_holds()
    {
        await using var discovery = await Discovery.StartAsync();
        var service = $"itestops{Guid.NewGuid():N}"[..16];
        Assert.Equal(System.Net.HttpStatusCode.Accepted, await discovery.RegisterAsync(Discovery.Instance(service, 1, "itest-ops", 9100)));
        var env = new Dictionary<string, string?>(_env)
        {
            ["OPSCTL_REGISTRATION"] = discovery.Registration.BaseAddress.ToString(),
            ["OPSCTL_TOKEN"] = ServiceProcess.Token,
        };
        var listed = await Eventually.ValueAsync(() => Opsctl.RunAsync(env, "instances", "--service", service, "--json"),
            r => r.Output.Contains($"{service}.1", StringComparison.Ordinal));
        Assert.True(listed.ExitCode == 0, listed.Output);
        using var json = JsonDocument.Parse(listed.Output);
        Assert.Equal($"{service}.1", Assert.Single(json.RootElement.EnumerateArray()).GetProperty("instanceId").GetString());

        env["OPSCTL_TOKEN"] = "not-the-token-0123456789";
        var refused = await Opsctl.RunAsync(env, "instances");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Registration refused the token (401)", refused.Output, StringComparison.Ordinal);
    }

    private async Task AssertNoneMissingAsync(List<(Guid MessageId, string Kind)> ids)
    {
        var inError = await Opsctl.MessageIdsAsync(ErrorQueue);
        var inInput = await Opsctl.MessageIdsAsync(_queue);
        Assert.NotEmpty(inInput);
        Assert.NotEmpty(inError);
        Assert.Empty(ids.Select(i => i.MessageId.ToString()).Except(inError.Concat(inInput)));
    }

    private async Task FinishAndProcessOnceAsync(List<(Guid MessageId, string Kind)> ids)
    {
        var rerun = await Opsctl.RunAsync(_env, "dlq", "replay", ErrorQueue, "--all");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal(0, await Eventually.ValueAsync(() => Opsctl.DepthAsync(ErrorQueue), d => d == 0));

        _probes.Healthy = true;
        await using var bus = await ConsumeAsync();
        await Eventually.ValueAsync(() => Task.FromResult(_probes.Processed.Count), n => n >= ids.Count);
        await Eventually.ValueAsync(() => Opsctl.DepthAsync(_queue), d => d == 0);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(ids.Count, _probes.Processed.Count);
        Assert.Equal([], _probes.Processed.Where(p => p.Value != 1).Select(p => $"{p.Key} x{p.Value}"));
    }

    /// <summary>Sends probes that the consumer refuses: MassTransit moves each to the error queue (no retries here).</summary>
    private async Task<List<(Guid MessageId, string Kind)>> FailAsync(int invalid, int argument)
    {
        _probes.Healthy = false;
        var sent = new List<(Guid, string)>();
        await using (var bus = await ConsumeAsync())
        {
            // Sending to queue: declares the queue, as classic, which a quorum queue refuses: then to the endpoint's
            // exchange, once the endpoint has bound its queue to it (with a consumer on it).
            if (_quorum)
            {
                await Eventually.ValueAsync(ConsumersAsync, n => n > 0);
            }
            var endpoint = await bus.Bus.GetSendEndpoint(new Uri(_quorum ? $"exchange:{_queue}" : $"queue:{_queue}"));
            for (var i = 0; i < invalid + argument; i++)
            {
                var kind = i < invalid ? "invalid" : "argument";
                var id = NewId.NextGuid();
                await endpoint.Send(new OpsctlProbe(i, kind), context => context.MessageId = id);
                sent.Add((id, kind));
            }
            Assert.Equal(invalid + argument, await Eventually.ValueAsync(() => Opsctl.DepthAsync(ErrorQueue), d => d >= invalid + argument));
        }
        return sent;
    }

    private async Task<int> ConsumersAsync()
    {
        using var http = Infrastructure.Management();
        try
        {
            // The management API fills in its statistics a moment after the queue appears.
            return (await http.GetFromJsonAsync<JsonElement>($"queues/%2F/{_queue}")).TryGetProperty("consumers", out var consumers)
                ? consumers.GetInt32() : 0;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private async Task<RunningBus> ConsumeAsync()
    {
        var host = TestBus.BuildWith($"itest-opsctl-{Guid.NewGuid():N}"[..20],
            new Dictionary<string, string?> { ["RetryLimit"] = "0", ["QuorumQueues"] = _quorum ? "true" : "false" },
            bus => bus.AddConsumer<ProbeConsumer>().Endpoint(e => e.Name = _queue), _probes);
        await host.StartAsync();
        return new RunningBus(host);
    }

    private sealed class RunningBus(Microsoft.Extensions.Hosting.IHost host) : IAsyncDisposable
    {
        public IBus Bus => host.Services.GetRequiredService<IBus>();

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    internal sealed class Probes
    {
        public volatile bool Healthy;

        public ConcurrentDictionary<int, int> Processed { get; } = new();

        public ConcurrentBag<Guid> MessageIds { get; } = [];

        public ConcurrentBag<string> HeaderNames { get; } = [];
    }

    internal sealed class ProbeConsumer(Probes probes) : IConsumer<OpsctlProbe>
    {
        public Task Consume(ConsumeContext<OpsctlProbe> context)
        {
            if (!probes.Healthy)
            {
                throw context.Message.Kind == "invalid"
                    ? new InvalidOperationException($"probe {context.Message.Number} refused")
                    : new ArgumentException($"probe {context.Message.Number} refused");
            }
            probes.Processed.AddOrUpdate(context.Message.Number, 1, (_, n) => n + 1);
            probes.MessageIds.Add(context.MessageId ?? Guid.Empty);
            foreach (var header in context.Headers.GetAll())
            {
                probes.HeaderNames.Add(header.Key);
            }
            return Task.CompletedTask;
        }
    }
}
