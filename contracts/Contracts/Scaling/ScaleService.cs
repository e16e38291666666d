namespace PretixOps.Contracts;

/// <summary>An operator asks for a replica count. Exactly one of <see cref="Replicas"/> and <see cref="Delta"/> is set.</summary>
public sealed record ScaleService(
    string Service,
    int? Replicas,
    int? Delta,
    string Reason,
    string RequestedBy);
