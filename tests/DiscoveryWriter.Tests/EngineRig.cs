using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PretixOps.DiscoveryWriter.Engine;
using PretixOps.DiscoveryWriter.Files;
using PretixOps.DiscoveryWriter.State;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>
/// A <see cref="DiscoveryEngine"/> over a temporary folder: the registry's state on disk through the real
/// <see cref="AtomicFileWriter"/> (in a <see cref="FlakyStateWriter"/>, so a test can make saving fail), the
/// file_sd files in an <see cref="InMemoryFileWriter"/>, a fake clock.
/// Another rig can be started over the same folder, files and clock, as a restart would.
/// </summary>
internal sealed class EngineRig : IAsyncDisposable
{
    private readonly bool _ownsFolder;
    private readonly WriterLease _lease;
    private bool _started;

    private EngineRig(string folder, InMemoryFileWriter files, FakeTimeProvider clock, bool ownsFolder)
    {
        _ownsFolder = ownsFolder;
        Folder = folder;
        Files = files;
        Clock = clock;
        Options = Microsoft.Extensions.Options.Options.Create(new DiscoveryOptions
        {
            OutputDirectory = Path.Combine(folder, "sd"),
            StateDirectory = Path.Combine(folder, "state"),
            InstanceName = "t",
            CoalesceDelay = TimeSpan.FromMilliseconds(200),
            TickInterval = TimeSpan.FromMilliseconds(50),
        });
        _lease = new WriterLease(Options);
        Engine = new DiscoveryEngine(
            new RegistryStore(State, Options, NullLogger<RegistryStore>.Instance),
            Files,
            _lease,
            Events,
            Clock,
            Options,
            NullLogger<DiscoveryEngine>.Instance);
    }

    public string Folder { get; }

    public InMemoryFileWriter Files { get; }

    public FakeTimeProvider Clock { get; }

    public RecordingEventPublisher Events { get; } = new();

    /// <summary>The registry's state on disk; saving it works until a test says otherwise.</summary>
    public FlakyStateWriter State { get; } = new();

    public IOptions<DiscoveryOptions> Options { get; }

    public DiscoveryEngine Engine { get; }

    public string StatePath => Path.Combine(Options.Value.StateDirectory, "registry.json");

    public string JobFile(string job) => Path.Combine(Options.Value.OutputDirectory, job + ".json");

    public async Task StartAsync()
    {
        await Engine.StartAsync(CancellationToken.None);
        _started = true;
    }

    public async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Engine.StopAsync(CancellationToken.None);
        }

        Engine.Dispose();
        _lease.Dispose();
    }

    /// <summary>A second engine over the same state folder, file_sd files and clock: this one restarted.</summary>
    public EngineRig Restarted() => new(Folder, Files, Clock, ownsFolder: false);

    /// <summary>A new engine over a new temporary folder, at <see cref="Samples.T0"/>.</summary>
    public static EngineRig Create() =>
        new(Directory.CreateTempSubdirectory("pretixops-engine-").FullName, new InMemoryFileWriter(), new FakeTimeProvider(Samples.T0), ownsFolder: true);

    /// <summary>Stops the engine if it runs, and removes the folder if this rig created it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsFolder)
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
