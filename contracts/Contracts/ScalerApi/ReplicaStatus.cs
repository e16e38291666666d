namespace PretixOps.Contracts;

/// <param name="Instance">The Scaler replica that answered: any replica serves the status, only the leader decides.</param>
public sealed record ReplicaStatus(string Instance, bool Leader, string? LeaderInstance, bool CaughtUp);
