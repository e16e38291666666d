namespace PretixOps.ServiceDefaults;

/// <summary>
/// A message that can never be handled (it is invalid, or asks for something forbidden). The bus does not
/// retry these: they go straight to the endpoint's <c>_error</c> queue, where the exception message (the
/// reason) travels in MassTransit's fault headers for an operator to read.
/// </summary>
public class PermanentMessageException : Exception
{
    public PermanentMessageException()
    {
    }

    public PermanentMessageException(string message)
        : base(message)
    {
    }

    public PermanentMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
