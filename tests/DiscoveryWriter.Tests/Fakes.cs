using System.Collections.Concurrent;
using System.Text;
using PretixOps.DiscoveryWriter.Files;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>The file system in memory, with WriteIfChanged's semantics: an unchanged content is not written.</summary>
internal sealed class InMemoryFileWriter : IFileStore
{
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public bool WriteIfChanged(string path, ReadOnlySpan<byte> content)
    {
        _attempts.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (_files.TryGetValue(path, out var current) && content.SequenceEqual(current))
        {
            return false;
        }

        _files[path] = content.ToArray();
        _writes.AddOrUpdate(path, 1, (_, n) => n + 1);
        return true;
    }

    public byte[]? ReadOrNull(string path) => _files.TryGetValue(path, out var content) ? content : null;

    public string? Text(string path) => ReadOrNull(path) is { } content ? Encoding.UTF8.GetString(content) : null;

    /// <summary>How often <paramref name="path"/> was replaced.</summary>
    public int Writes(string path) => _writes.GetValueOrDefault(path);

    /// <summary>How often writing <paramref name="path"/> was asked for, changed or not.</summary>
    public int Attempts(string path) => _attempts.GetValueOrDefault(path);
}

/// <summary>A bus that confirms everything and remembers what was published.</summary>
internal sealed class RecordingEventPublisher : IEventPublisher
{
    private readonly ConcurrentQueue<object> _published = new();

    public IReadOnlyList<object> Published => [.. _published];

    public bool BusReady { get; set; } = true;

    public Task<bool> TryPublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        _published.Enqueue(message);
        return Task.FromResult(true);
    }
}

/// <summary>
/// The registry's state on disk through the real <see cref="AtomicFileWriter"/>, except that saving
/// <c>registry.json</c> can be made to fail with an <see cref="IOException"/> (a full or read-only disk).
/// Reading always works, so the engine can go back to what is on disk.
/// </summary>
internal sealed class FlakyStateWriter : IFileStore
{
    private readonly AtomicFileWriter _disk = new();
    private int _failuresLeft;
    private int _failures;

    /// <summary>How many saves of the registry failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>The next <paramref name="count"/> saves of the registry throw; those after work again.</summary>
    public void FailNextSaves(int count) => Volatile.Write(ref _failuresLeft, count);

    /// <summary>Every save of the registry throws until <see cref="SavesWork"/>.</summary>
    public void FailEverySave() => FailNextSaves(int.MaxValue);

    public void SavesWork() => FailNextSaves(0);

    /// <summary>Every read of the registry throws (a state folder gone unreadable) while set.</summary>
    public bool ReadsFail { get; set; }

    public bool WriteIfChanged(string path, ReadOnlySpan<byte> content)
    {
        if (Path.GetFileName(path) == "registry.json" && TryTakeFailure())
        {
            Interlocked.Increment(ref _failures);
            throw new IOException($"Simulated failure saving {path}.");
        }

        return _disk.WriteIfChanged(path, content);
    }

    public byte[]? ReadOrNull(string path) =>
        ReadsFail && Path.GetFileName(path) == "registry.json" ? throw new IOException($"Simulated failure reading {path}.") : _disk.ReadOrNull(path);

    private bool TryTakeFailure()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failuresLeft);
            if (left <= 0)
            {
                return false;
            }

            var next = left == int.MaxValue ? left : left - 1;
            if (Interlocked.CompareExchange(ref _failuresLeft, next, left) == left)
            {
                return true;
            }
        }
    }
}
