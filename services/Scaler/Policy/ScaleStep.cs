using System.Globalization;

namespace PretixOps.Scaler.Policy;

/// <summary>A step: absolute replicas, or a percentage of the current count rounded up (never less than one).</summary>
public readonly record struct ScaleStep(int Value, bool Percent)
{
    /// <summary>The step a validated policy holds.</summary>
    public static ScaleStep Parse(string text) =>
        TryParse(text, out var step) ? step : throw new FormatException($"'{text}' is not a step.");

    public static bool TryParse(string? text, out ScaleStep step)
    {
        step = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var percent = text.EndsWith('%');
        // Bounded so that no step arithmetic can overflow: 1000 replicas is the policy's own ceiling.
        if (!int.TryParse(percent ? text[..^1] : text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value <= 0 || value > (percent ? 10_000 : 1000))
        {
            return false;
        }

        step = new ScaleStep(value, percent);
        return true;
    }

    public int Of(int current) => Percent ? Math.Max(1, (int)Math.Ceiling((long)current * Value / 100.0)) : Value;

    public override string ToString() => Percent ? $"{Value}%" : Value.ToString(CultureInfo.InvariantCulture);
}
