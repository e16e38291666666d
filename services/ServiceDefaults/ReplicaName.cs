using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A replica's <c>InstanceName</c>: it names the replica's own queue (<see cref="FanOutEndpoint"/>), its leader entries
/// and its lines in logs and status. One rule for every service, the strictest any had: a name (as
/// <see cref="Names"/>) of at most 64 characters, so that the queue named after it stays short and readable.
/// </summary>
public static partial class ReplicaName
{
    public const string Rule = "must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$.";

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>An options class's refusal of its <c>InstanceName</c>, or none.</summary>
    public static IEnumerable<ValidationResult> Check(string? value)
    {
        if (!IsValid(value))
        {
            yield return new ValidationResult(Rule, ["InstanceName"]);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\z")]
    private static partial Regex Pattern();
}
