namespace PretixOps.Scaler.Control;

/// <summary>When the clocks that hold a service end: null where none runs.</summary>
public sealed record ServiceClocks(DateTimeOffset? CooldownUpEndsAt, DateTimeOffset? CooldownDownEndsAt, DateTimeOffset? StabilizationEndsAt)
{
    public static readonly ServiceClocks None = new(null, null, null);
}
