using Microsoft.Extensions.Options;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>
/// Exactly one replica writes a shared output folder: the one holding an exclusive advisory lock
/// (<c>flock</c>) on <c>.discovery-writer.lock</c> in it. The kernel releases the lock the moment the
/// holder dies, even on <c>kill -9</c>, and another replica takes it at its next tick. Replicas with
/// folders of their own each hold their own lock and each write.
/// </summary>
public sealed class WriterLease(IOptions<DiscoveryOptions> options) : IDisposable
{
    private FileStream? _lock;

    public bool IsHeld => _lock is not null;

    /// <summary>Takes the lease if it is free; true while this replica holds it.</summary>
    public bool TryHold()
    {
        if (_lock is not null)
        {
            return true;
        }

        Directory.CreateDirectory(options.Value.OutputDirectory);
        try
        {
            // On Unix, FileShare.None is an exclusive flock(2): a second holder gets an IOException.
            _lock = new FileStream(
                Path.Combine(options.Value.OutputDirectory, ".discovery-writer.lock"),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
