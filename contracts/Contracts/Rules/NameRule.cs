using System.Text.RegularExpressions;

namespace PretixOps.Contracts.Rules;

/// <summary>
/// Service, job, task and instance names. They become file names and Prometheus label values, so they start
/// with a letter or digit and hold no path separator: no name can escape an output folder.
/// </summary>
public static partial class NameRule
{
    public const int MaxLength = 128;

    public const string Text = "must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$.";

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex Pattern();
}
