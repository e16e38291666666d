namespace PretixOps.Opsctl.DeadLetters;

/// <summary>Which dead letters a command acts on. Type filters match the full name or its last part.</summary>
public sealed record Selection(string? Id, bool All, string? Exception, string? MessageType, DateTimeOffset? Since, DateTimeOffset? Until)
{
    /// <summary>True when something narrows the selection, so acting on it is not "everything".</summary>
    public bool IsNarrowed => Id is not null || Exception is not null || MessageType is not null || Since is not null || Until is not null;

    public bool Matches(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (Id is not null && !string.Equals(letter.MessageId, Id, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (Exception is not null && !NameMatches(letter.ExceptionType, Exception))
        {
            return false;
        }
        if (MessageType is not null && !NameMatches(letter.MessageType, MessageType))
        {
            return false;
        }
        if (Since is not null || Until is not null)
        {
            // Without a fault time (a skipped message) a time window cannot say yes.
            if (letter.FaultedAt is not { } at || at < Since || at > Until)
            {
                return false;
            }
        }
        return true;
    }

    private static bool NameMatches(string? actual, string wanted) =>
        actual is not null && (string.Equals(actual, wanted, StringComparison.Ordinal) ||
                               actual.EndsWith("." + wanted, StringComparison.Ordinal) ||
                               actual.EndsWith(":" + wanted, StringComparison.Ordinal));
}
