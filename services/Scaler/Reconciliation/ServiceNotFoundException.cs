namespace PretixOps.Scaler.Reconciliation;

/// <summary>Docker says the service does not exist (yet: it is looked for again at every reconcile).</summary>
public sealed class ServiceNotFoundException(string service, Exception inner) : Exception($"Docker has no service named {service}.", inner);
