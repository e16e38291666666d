using PretixOps.Contracts;

namespace PretixOps.Opsctl.Control;

/// <summary>The filters of <c>GET /v1/decisions</c>; <see cref="Limit"/> is the page size (the API's default is 100).</summary>
public sealed record DecisionFilter(string? Service, DateTimeOffset? Since, ScaleOutcome? Outcome, int? Limit);
