using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

public sealed class InvalidRegistrationException(IReadOnlyDictionary<string, string[]> errors)
    : InvalidMessageException("registration", errors);
