using System.Globalization;

namespace PretixOps.Scaler.Api;

/// <summary>Query parameters parsed by hand: a bad one becomes an entry of the problem's <c>errors</c>, named.</summary>
internal static class QueryValues
{
    public static DateTimeOffset? Time(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = ["must be an ISO 8601 time, such as 2026-12-02T03:00:00Z."];
        return null;
    }

    public static long? Number(string? text, string name, long min, long max, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [max == long.MaxValue ? $"must be a whole number, {min} or more." : $"must be a whole number from {min} to {max}."];
        return null;
    }
}
