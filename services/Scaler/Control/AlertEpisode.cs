using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>An alert episode firing for the service, matched by <paramref name="Rule"/>; <paramref name="LastSeen"/> moves with each repeat.</summary>
public sealed record AlertEpisode(string AlertId, string Rule, Direction Direction, DateTimeOffset Since, DateTimeOffset LastSeen);
