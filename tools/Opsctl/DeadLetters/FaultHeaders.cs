namespace PretixOps.Opsctl.DeadLetters;

/// <summary>
/// Which headers a replay takes away: those MassTransit adds when it moves a message to an error queue, and only
/// those. Everything the sender set (message id, correlation, its own headers) travels back unchanged. Pinned by a
/// snapshot test.
/// </summary>
public static class FaultHeaders
{
    private static readonly string[] Prefixes = ["MT-Fault-", "MT-Host-"];

    /// <summary>MT-Reason says why it was moved (fault, skip); MT-Redelivery-Count belongs to the failed attempt.</summary>
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase) { "MT-Reason", "MT-Redelivery-Count" };

    public static bool IsFaultHeader(string name) =>
        Names.Contains(name) || Prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    public static Dictionary<string, object?> Strip(IDictionary<string, object?>? headers) =>
        (headers ?? new Dictionary<string, object?>()).Where(h => !IsFaultHeader(h.Key)).ToDictionary(h => h.Key, h => h.Value);
}
