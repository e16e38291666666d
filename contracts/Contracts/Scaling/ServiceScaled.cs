namespace PretixOps.Contracts;

/// <summary>A decision changed a service's replica count in Docker Swarm.</summary>
public sealed record ServiceScaled(
    Guid DecisionId,
    string Service,
    int From,
    int To,
    DateTimeOffset At);
