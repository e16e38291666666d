namespace PretixOps.Scaler.Journal;

/// <summary>The journal cannot take an entry now (the broker is away): nothing was recorded, so nothing may be acknowledged or done.</summary>
public sealed class JournalUnavailableException : Exception
{
    public JournalUnavailableException(string message)
        : base(message)
    {
    }

    public JournalUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
