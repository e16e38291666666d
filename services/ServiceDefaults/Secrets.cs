namespace PretixOps.ServiceDefaults;

/// <summary>
/// Secrets come from a file (a Docker secret under /run/secrets) or from the environment, never from a
/// file in the repository. Each secret setting <c>X</c> has a twin <c>XFile</c>; set one of them.
/// </summary>
public static class Secrets
{
    public static string? Resolve(string? value, string? file)
    {
        if (!string.IsNullOrWhiteSpace(file))
        {
            // Secret files are written by editors and `echo`: a trailing newline is never part of the secret.
            return File.ReadAllText(file).TrimEnd('\r', '\n');
        }

        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// A list of secrets (tokens, webhook URLs that carry their own secret): those in settings (<c>X:N</c>), then
    /// those in a file holding one a line, where <c>#</c> starts a comment.
    /// </summary>
    public static IReadOnlyList<string> ReadList(IEnumerable<string> values, string? file)
    {
        ArgumentNullException.ThrowIfNull(values);
        var fromFile = string.IsNullOrWhiteSpace(file)
            ? []
            : File.ReadAllLines(file).Select(t => t.Trim()).Where(t => t.Length > 0 && !t.StartsWith('#'));
        return [.. values.Where(t => !string.IsNullOrWhiteSpace(t)).Concat(fromFile)];
    }

    /// <summary>What is wrong with a secret setting pair, naming the settings, never the value.</summary>
    public static string? Problem(string name, string? value, string? file, bool required = true)
    {
        var hasFile = !string.IsNullOrWhiteSpace(file);
        var hasValue = !string.IsNullOrEmpty(value);
        if (hasFile && hasValue)
        {
            return $"both {name} and {name}File are set; set one.";
        }

        if (hasFile && !File.Exists(file))
        {
            return $"{name}File names a file that does not exist: {file}";
        }

        return required && !hasFile && !hasValue
            ? $"set {name} (environment) or {name}File (a secret file)."
            : null;
    }
}
