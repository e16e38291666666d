namespace PretixOps.Registration;

public sealed class RegistrationNotConfirmedException(string instanceId)
    : Exception($"The broker did not confirm the registration of {instanceId}; it is tried again.");
