namespace PretixOps.DiscoveryWriter.Files;

/// <summary>
/// Writes so that a reader never sees a half-written file: a temporary file in the same folder, flushed to
/// disk, then renamed over the old one (rename is atomic within a file system). Prometheus reading the
/// folder sees the old content or the new, never an empty or truncated file, even if this process is
/// killed mid-write.
/// </summary>
public sealed class AtomicFileWriter : IFileStore
{
    public bool WriteIfChanged(string path, ReadOnlySpan<byte> content)
    {
        var current = ReadOrNull(path);
        if (current is not null && content.SequenceEqual(current))
        {
            return false;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        // A leading dot and a suffix other than .json: Prometheus' *.json pattern never picks up the temporary file.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return true;
    }

    public byte[]? ReadOrNull(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}
