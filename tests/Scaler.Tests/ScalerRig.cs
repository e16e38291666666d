using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PretixOps.Contracts;
using PretixOps.Scaler.Intake;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Policy;
using PretixOps.Scaler.Readings;
using PretixOps.Scaler.Reconciliation;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// The Scaler's parts wired as the host wires them, with the journal, Docker, the metric source and the clock in
/// memory: intake, the reconcile pass, the decision writer, the policy store. One pass is one call, on a fake clock.
/// </summary>
internal sealed class ScalerRig : IDisposable
{
    public const string Web = "pretix_web";
    public static readonly DateTimeOffset T0 = new(2026, 6, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly IConfigurationRoot _configuration;

    public ScalerRig(IDictionary<string, string?>? settings = null, InMemoryJournal? journal = null)
    {
        var all = new Dictionary<string, string?>
        {
            [$"Scaler:Services:{Web}:Min"] = "2",
            [$"Scaler:Services:{Web}:Max"] = "4",
            [$"Scaler:Services:{Web}:CooldownUp"] = "00:03:00",
            [$"Scaler:Services:{Web}:CooldownDown"] = "00:05:00",
            [$"Scaler:Services:{Web}:StabilizationWindow"] = "00:05:00",
            ["Scaler:Rules:0:Name"] = "web-labelled",
            ["Scaler:Rules:0:Labels:service"] = Web,
            ["Scaler:Rules:0:Labels:scale_action"] = "up",
            ["Scaler:Rules:0:Service"] = Web,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var (options, problems) = ValidatedOptions.BindAndValidate<ScalerOptions>(_configuration, ScalerOptions.Section);
        Assert.True(options is not null, string.Join("; ", problems));
        Policies = new PolicyStore(Options.Create(options), _configuration, NullLogger<PolicyStore>.Instance);
        Journal = journal ?? new InMemoryJournal();
        Docker = new DockerHealth(Clock);
        Writer = new DecisionWriter(Journal, Swarm, Policies, new ImpatientClock(Clock), NullLogger<DecisionWriter>.Instance);
        Reconciler = new Reconciler(Policies, Journal, Leadership, Swarm, Readings, Writer, Docker, Clock, NullLogger<Reconciler>.Instance);
        Intake = new SignalIntake(Journal, Policies, Clock);
    }

    public FakeTimeProvider Clock { get; } = new(T0);
    public FakeSwarm Swarm { get; } = new FakeSwarm().With(Web, 2);
    public InMemoryJournal Journal { get; }
    public FixedLeadership Leadership { get; } = new();
    public MetricReadings Readings { get; } = new();
    public PolicyStore Policies { get; }
    public DockerHealth Docker { get; }
    public DecisionWriter Writer { get; }
    public Reconciler Reconciler { get; }
    public SignalIntake Intake { get; }

    public ControllerState State => Journal.State;

    /// <summary>This replica takes the leader lock: a LeaderElected entry, whose offset is its epoch.</summary>
    public async Task<LeaderTerm> ElectAsync(string instance = "scaler-1")
    {
        var epoch = await Journal.AppendAsync(new LeaderElected(instance) { At = Clock.GetUtcNow() }, CancellationToken.None);
        Leadership.Term = new LeaderTerm(epoch, CancellationToken.None);
        return Leadership.Term;
    }

    /// <summary>One reconcile pass over the web service, as the leader.</summary>
    public Task PassAsync(bool full = true) => Reconciler.PassAsync([Web], full, Leadership.Term ?? throw new InvalidOperationException("elect first"));

    public Task FireAsync(string episode, string service = Web) => Intake.FiredAsync(Alert(episode, service), CancellationToken.None);

    public Task ResolveAsync(string episode, string service = Web)
    {
        var fired = Alert(episode, service);
        return Intake.ResolvedAsync(new AlertResolved(fired.AlertId, fired.Source, fired.Name, fired.Fingerprint, fired.Labels, fired.Annotations,
            fired.StartsAt, Clock.GetUtcNow(), null, Clock.GetUtcNow()), CancellationToken.None);
    }

    public AlertFired Alert(string episode, string service = Web) => new(
        $"alertmanager:{episode}:2026-06-05T11:59:00.000Z", AlertSource.Alertmanager, "PretixWebHighLatency", episode,
        new Dictionary<string, string> { ["alertname"] = "PretixWebHighLatency", ["service"] = service, ["scale_action"] = "up" },
        new Dictionary<string, string>(), T0.AddMinutes(-1), null, null, Clock.GetUtcNow());

    /// <summary>The recorded decisions for the web service, oldest first.</summary>
    public IReadOnlyList<DecisionView> Decisions => [.. State.Query(Web, null, null, null, 1000).Reverse()];

    public void Set(string key, string? value) => _configuration[key] = value;

    /// <summary>What a saved policy file does: the configuration is read again.</summary>
    public void ReloadConfiguration() => _configuration.Reload();

    public void Dispose()
    {
        Reconciler.Dispose();
        Policies.Dispose();
    }
}
