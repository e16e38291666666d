using Prometheus;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Requests refused before any work, counted by reason: no or a wrong credential, a network or role not allowed,
/// and a body that is not JSON of the expected shape, too large, or invalid.
/// </summary>
public static class RejectedRequests
{
    private static readonly Counter Rejected = Metrics.CreateCounter(
        "pretixops_http_rejected_total", "Requests refused before any work, by reason.", "reason");

    public static void Count(string reason) => Rejected.WithLabels(reason).Inc();
}
