namespace PretixOps.Contracts;

/// <summary>The Scaler's 202 to a scale request it took but has not decided within the wait.</summary>
public sealed record ScaleRequestTaken(string RequestId, string Detail);
