using System.Text.Json;

namespace PretixOps.Opsctl;

/// <summary>
/// opsctl's config file: a JSON object of strings, every key optional. Where it is: <c>--config</c>, else
/// <c>$OPSCTL_CONFIG</c>, else <c>$XDG_CONFIG_HOME/opsctl/config.json</c> (<c>~/.config/opsctl/config.json</c>). A file
/// named by <c>--config</c> or <c>$OPSCTL_CONFIG</c> must exist; the default one may be missing (and is then not read),
/// but a link there to a file that is gone is an error, not a silent fallback to the defaults. Relative paths in it are
/// relative to the file. Secrets are never in it: it names the files that hold them (<c>passwordFile</c>,
/// <c>tokenFile</c>). An unknown key, a value that is not a string, or JSON that does not parse is refused with the
/// file and the key named.
/// </summary>
public sealed record OpsctlConfig(string Path, IReadOnlyDictionary<string, string> Values)
{
    /// <summary>The keys, as <c>make up</c> writes them (deploy/local/opsctl.sh) and the README lists them.</summary>
    public static readonly string[] Keys = ["broker", "passwordFile", "management", "scaler", "registration", "tokenFile", "stateDirectory", "caFile"];

    /// <summary>Where a value came from, for an error: "scaler in config file /root/.config/opsctl/config.json".</summary>
    public string Source(string key) => $"{key} in config file {Path}";

    public string? this[string key] => Values.GetValueOrDefault(key);

    /// <summary>A path the file names, made absolute against the file's folder.</summary>
    public string? FilePath(string key) =>
        this[key] is { } path ? System.IO.Path.GetFullPath(path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!) : null;

    /// <summary>The config in force, or null when there is none (no explicit file, and none at the default place).</summary>
    public static OpsctlConfig? Find(string? flag, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var path = flag ?? NonEmpty(environment("OPSCTL_CONFIG"));
        if (path is not null)
        {
            return File.Exists(path) ? Read(path) : throw new OpsctlException($"config file {path} does not exist.");
        }
        // The default place, from the environment given (never the process's own): a test that passes none reads none.
        var home = NonEmpty(environment("XDG_CONFIG_HOME")) ?? (NonEmpty(environment("HOME")) is { } h ? System.IO.Path.Combine(h, ".config") : null);
        if (home is null)
        {
            return null;
        }
        path = System.IO.Path.Combine(home, "opsctl", "config.json");
        var file = new FileInfo(path);
        if (file.LinkTarget is { } target && file.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
        {
            throw new OpsctlException($"config file {path} is a link to {target}, which does not exist (written by `make up` in a clone that is gone?).");
        }
        return file.Exists ? Read(path) : null;
    }

    public static OpsctlConfig Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new OpsctlException($"config file {path} is not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OpsctlException($"config file {path} cannot be read: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OpsctlException($"config file {path} must hold a JSON object ({{\"scaler\": \"http://…\", …}}), not {document.RootElement.ValueKind}.");
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var key = Keys.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new OpsctlException(UnknownKey(path, property.Name));
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString() is not { Length: > 0 } value)
                {
                    throw new OpsctlException($"config file {path}: {key} must be a non-empty string, not {property.Value.GetRawText()}.");
                }
                if (!values.TryAdd(key, value))
                {
                    throw new OpsctlException($"config file {path}: {key} is given twice.");
                }
            }
            return new OpsctlConfig(path, values);
        }
    }

    private static string UnknownKey(string path, string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("token", StringComparison.OrdinalIgnoreCase)
            ? $"config file {path}: '{key}' is not a setting. A secret is never kept in the config: name the file that holds it (passwordFile, tokenFile)."
            : $"config file {path}: '{key}' is not a setting (the settings are {string.Join(", ", Keys)}).";

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
