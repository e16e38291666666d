namespace PretixOps.Scaler.Policy;

/// <summary>At most <see cref="Step"/> ("4" replicas or "100%") per <see cref="Period"/>.</summary>
public sealed class RateLimit
{
    public string Step { get; set; } = "";
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);
}
