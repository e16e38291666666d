namespace PretixOps.Opsctl.DeadLetters;

/// <summary>
/// One move per queue at a time, on this machine: two replays of one queue would each hold messages the other then
/// reports as left behind. The lock is a file opened exclusively; the kernel drops it when opsctl dies.
/// </summary>
public sealed class MoveLock : IDisposable
{
    private readonly FileStream _file;

    private MoveLock(FileStream file) => _file = file;

    public static MoveLock Take(string directory, string queue)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"move-{Uri.EscapeDataString(queue)}.lock");
        try
        {
            return new MoveLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new OpsctlException($"another opsctl is moving messages out of {queue} (lock {path}).", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
