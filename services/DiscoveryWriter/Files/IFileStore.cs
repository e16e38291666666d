namespace PretixOps.DiscoveryWriter.Files;

/// <summary>
/// The seam to the file system, for everything the service keeps on disk: the file_sd files Prometheus reads
/// and the registry's own state.
/// </summary>
public interface IFileStore
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically; returns false, writing nothing, when the content is already there.</summary>
    bool WriteIfChanged(string path, ReadOnlySpan<byte> content);

    byte[]? ReadOrNull(string path);
}
