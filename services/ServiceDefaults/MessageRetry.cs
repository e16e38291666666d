using MassTransit;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// What the bus does with a message whose consumer threw: the default for every consumer, declared once here.
/// A consumer definition overrides it beside its consumer with <c>consumerConfigurator.UseMessageRetry</c>, for
/// the exceptions its own policy handles. MassTransit runs the policy closest to the consumer first; once that
/// policy has handled an exception (retried it, or given up on it) the outer ones pass it on without retrying it
/// again, so the two never multiply. An exception the consumer's policy does not handle gets this default. A
/// definition declares its policy in one <c>UseMessageRetry</c>: two nested ones do multiply.
/// </summary>
public static class MessageRetry
{
    /// <summary>
    /// <see cref="MessagingOptions.RetryLimit"/> retries with exponential backoff, then the <c>_error</c> queue;
    /// a <see cref="PermanentMessageException"/> goes there at once.
    /// </summary>
    public static void UseDefaultMessageRetry(this IBusFactoryConfigurator bus, MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(options);

        // RetryLimit 0 means straight to the error queue; MassTransit's exponential policy with no attempts
        // would itself fail every message (IndexOutOfRangeException) instead.
        if (options.RetryLimit > 0)
        {
            bus.UseMessageRetry(retry =>
            {
                retry.Exponential(options.RetryLimit, options.RetryMinInterval, options.RetryMaxInterval, options.RetryMinInterval);
                retry.Ignore<PermanentMessageException>();
            });
        }
    }
}
