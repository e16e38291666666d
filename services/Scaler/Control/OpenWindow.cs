using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>A schedule window open now, and when it closes.</summary>
public sealed record OpenWindow(ScheduleWindow Window, DateTimeOffset Until);
