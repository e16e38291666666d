namespace PretixOps.Scaler.Policy;

/// <summary>Which of several limits applies: the one allowing the most change (HPA's default), the least, or none (no change that way).</summary>
public enum LimitSelect
{
    Max,
    Min,
    Disabled,
}
