using System.Globalization;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Control;

/// <summary>
/// The bounds in force: the policy's <c>Min</c> and <c>Max</c>, raised and lowered by the schedule windows open
/// now. Where two windows disagree the highest floor and the lowest ceiling apply, and a ceiling below a floor wins.
/// </summary>
public sealed record Bounds(int Min, int Max, IReadOnlyList<OpenWindow> Windows)
{
    public static Bounds At(ServicePolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var open = policy.Schedules
            .Select(w => (Window: w, Until: w.OpenUntil(now)))
            .Where(w => w.Until is not null)
            .Select(w => new OpenWindow(w.Window, w.Until!.Value))
            .ToList();
        var min = open.Select(w => w.Window.Min).OfType<int>().Append(policy.Min).Max();
        var max = open.Select(w => w.Window.Max).OfType<int>().Append(policy.Max).Min();
        return new Bounds(Math.Min(min, max), max, open);
    }

    /// <summary>"max 6" or "max 3 (window nightly)": where a bound comes from, for reasons.</summary>
    public string DescribeMax(ServicePolicy policy) => Describe("max", Max, policy.Max, w => w.Max);

    public string DescribeMin(ServicePolicy policy) => Describe("min", Min, policy.Min, w => w.Min);

    private string Describe(string name, int value, int policyValue, Func<ScheduleWindow, int?> bound)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (value == policyValue)
        {
            return $"the policy's {name} is {text}";
        }

        var window = Windows.FirstOrDefault(w => bound(w.Window) == value)?.Window.Name ?? string.Join(", ", Windows.Select(w => w.Window.Name));
        return $"the {name} in force is {text} (window {window})";
    }
}
