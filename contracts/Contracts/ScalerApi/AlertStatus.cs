namespace PretixOps.Contracts;

/// <param name="Stale">Not repeated within the rule's time: no longer a reason to scale.</param>
public sealed record AlertStatus(string AlertId, string Rule, string Direction, DateTimeOffset Since, DateTimeOffset LastSeen, bool Stale);
