using PretixOps.Contracts.Rules;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// A message its rulebook (<c>PretixOps.Contracts.Rules</c>) refuses. Permanent: it goes to the error queue at
/// once, the fields named in its reason.
/// </summary>
public class InvalidMessageException : PermanentMessageException
{
    public InvalidMessageException(string what, IReadOnlyDictionary<string, string[]> errors)
        : base($"Invalid {what}: {Violations.Describe(errors)}")
    {
        Errors = errors;
    }

    /// <summary>Each bad field (a JSON path such as <c>exporters[0].port</c>) and what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>Throws when <paramref name="violations"/> holds any, naming <paramref name="message"/>'s type.</summary>
    public static void ThrowIfAny<T>(T message, Violations violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        if (!violations.IsEmpty)
        {
            throw new InvalidMessageException(typeof(T).Name, violations.ByField());
        }
    }
}
