namespace PretixOps.ServiceDefaults;

/// <summary>
/// Why the last reload of <c>ConfigFile</c> could not be read (malformed JSON, a save caught half-written), until
/// someone takes it: the configuration then holds none of the file's settings, and a reader that reloads its
/// settings from it must keep the ones it has.
/// </summary>
public static class ConfigFileReload
{
    private static string? _error;

    public static void Failed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Volatile.Write(ref _error, error.InnerException?.Message ?? error.Message);
    }

    /// <summary>The failure of the reload just made, if it failed; cleared by taking it.</summary>
    public static string? Take() => Interlocked.Exchange(ref _error, null);
}
