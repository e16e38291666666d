namespace PretixOps.Contracts;

/// <summary>The answer to <see cref="ListInstances"/>.</summary>
public sealed record InstanceList(IReadOnlyList<RegisteredInstance> Instances);
