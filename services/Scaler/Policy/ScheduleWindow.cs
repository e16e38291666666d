using System.Globalization;
using Cronos;
using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Policy;

/// <summary>
/// A time window that raises the floor or lowers the ceiling while it is active: weekdays and times of day in a
/// named time zone ("Fri 17:00-23:00 Europe/Lisbon: min 4", before a ticket sale opens), or a cron expression that
/// opens it and a duration that closes it.
/// </summary>
public sealed class ScheduleWindow
{
    public string? Name { get; set; }

    /// <summary>Weekdays the window opens on: "Fri", "Mon-Fri", "Sat,Sun".</summary>
    public string? Days { get; set; }

    /// <summary>Time of day it opens, "17:00"; with <see cref="End"/> at or before it, it closes the next day.</summary>
    public string? Start { get; set; }

    /// <summary>Time of day it closes, "23:00" ("24:00" is midnight at the day's end).</summary>
    public string? End { get; set; }

    /// <summary>Or: a five-field cron expression that opens the window ("0 17 * * FRI")…</summary>
    public string? Cron { get; set; }

    /// <summary>…and how long it stays open.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>An IANA time zone, such as Europe/Lisbon; the clock changes of daylight saving time are followed.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The floor while active.</summary>
    public int? Min { get; set; }

    /// <summary>The ceiling while active.</summary>
    public int? Max { get; set; }

    /// <summary>"friday-sale (min 4)": how the window appears in records and status.</summary>
    public string Describe() =>
        $"{Name} ({string.Join(", ", new[] { Min is { } min ? $"min {min}" : null, Max is { } max ? $"max {max}" : null }.Where(s => s is not null))})";

    /// <summary>When the window that is open at <paramref name="now"/> closes; null when it is not open.</summary>
    public DateTimeOffset? OpenUntil(DateTimeOffset now)
    {
        var zone = System.TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        if (Cron is not null)
        {
            var duration = Duration ?? TimeSpan.Zero;
            // The latest opening in (now - duration, now]: an opening exactly `duration` ago has just closed.
            var opened = CronExpression.Parse(Cron).GetOccurrences(now - duration, now, zone, fromInclusive: false, toInclusive: true)
                .Cast<DateTimeOffset?>().LastOrDefault();
            return opened + duration;
        }

        var days = ParseDays(Days!);
        var start = ParseTime(Start!);
        var end = ParseTime(End!);
        var local = System.TimeZoneInfo.ConvertTime(now, zone);
        var time = local.TimeOfDay;
        var today = local.Date;
        if (start < end)
        {
            return days.Contains(local.DayOfWeek) && time >= start && time < end ? At(today + end, zone) : null;
        }

        // Across midnight: opened today (and closes tomorrow), or opened yesterday and not closed yet.
        if (days.Contains(local.DayOfWeek) && time >= start)
        {
            return At(today.AddDays(1) + end, zone);
        }

        return days.Contains(local.AddDays(-1).DayOfWeek) && time < end ? At(today + end, zone) : null;
    }

    /// <summary>
    /// When the window last closed, at or before <paramref name="now"/>, looking back <paramref name="lookback"/> at
    /// most; null when it did not close in that time. A floor that ends is a reason to scale up that ended.
    /// </summary>
    public DateTimeOffset? LastClosedAt(DateTimeOffset now, TimeSpan lookback)
    {
        var zone = System.TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        if (Cron is not null)
        {
            var duration = Duration ?? TimeSpan.Zero;
            var opened = CronExpression.Parse(Cron).GetOccurrences(now - duration - lookback, now - duration, zone, fromInclusive: true, toInclusive: true)
                .Cast<DateTimeOffset?>().LastOrDefault();
            return opened + duration;
        }

        var days = ParseDays(Days!);
        var start = ParseTime(Start!);
        var end = ParseTime(End!);
        var today = System.TimeZoneInfo.ConvertTime(now, zone).Date;
        for (var back = 0; back <= (int)Math.Ceiling(lookback.TotalDays) + 1; back++)
        {
            var opened = today.AddDays(-back);
            var closed = At(opened.AddDays(end > start ? 0 : 1) + end, zone);
            if (days.Contains(opened.DayOfWeek) && closed <= now && closed >= now - lookback)
            {
                return closed;
            }
        }

        return null;
    }

    public IEnumerable<(string Field, string Problem)> Problems(int policyMin, int policyMax)
    {
        if (!Names.IsValid(Name))
        {
            yield return (nameof(Name), "is required and " + Names.Rule);
        }

        if (!TryZone(TimeZone))
        {
            yield return (nameof(TimeZone), $"'{TimeZone}' is not a time zone this machine knows (an IANA name such as Europe/Lisbon).");
        }

        var weekly = Days is not null || Start is not null || End is not null;
        if (weekly == (Cron is not null))
        {
            yield return ("", "give either Days, Start and End, or Cron and Duration.");
        }
        else if (weekly)
        {
            if (Days is null || !TryDays(Days, out _))
            {
                yield return (nameof(Days), "must name weekdays: Fri, Mon-Fri, Sat,Sun.");
            }

            foreach (var (field, text) in new[] { (nameof(Start), Start), (nameof(End), End) })
            {
                if (text is null || !TryTime(text, out _))
                {
                    yield return (field, "must be a time of day, HH:mm (24:00 for the day's end).");
                }
            }

            if (Duration is not null)
            {
                yield return (nameof(Duration), "goes with Cron; a weekly window closes at End.");
            }
        }
        else
        {
            string? cronProblem = null;
            try
            {
                CronExpression.Parse(Cron!);
            }
            catch (CronFormatException e)
            {
                cronProblem = $"'{Cron}' is not a five-field cron expression: {e.Message}";
            }

            if (cronProblem is not null)
            {
                yield return (nameof(Cron), cronProblem);
            }

            if (Duration is not { } duration || duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(7))
            {
                yield return (nameof(Duration), "is required with Cron: above 00:00:00 and at most 7.00:00:00.");
            }
        }

        if (Min is null && Max is null)
        {
            yield return ("", "set Min (a floor) or Max (a ceiling), or the window changes nothing.");
        }

        if (Min is { } min && (min < policyMin || min > policyMax))
        {
            yield return (nameof(Min), $"must lie within the service's Min and Max ({policyMin} to {policyMax}).");
        }

        if (Max is { } max && (max < policyMin || max > policyMax))
        {
            yield return (nameof(Max), $"must lie within the service's Min and Max ({policyMin} to {policyMax}).");
        }

        if (Min is { } low && Max is { } high && low > high)
        {
            yield return (nameof(Max), "must be at least the window's Min.");
        }
    }

    private static DateTimeOffset At(DateTime local, System.TimeZoneInfo zone) =>
        new(local, zone.GetUtcOffset(local));

    private static bool TryZone(string? id)
    {
        try
        {
            return id is not null && System.TimeZoneInfo.FindSystemTimeZoneById(id) is not null;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    private static HashSet<DayOfWeek> ParseDays(string text) =>
        TryDays(text, out var days) ? days : throw new FormatException($"'{text}' names no weekdays.");

    private static bool TryDays(string text, out HashSet<DayOfWeek> days)
    {
        days = [];
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || !TryDay(range[0], out var from) || !TryDay(range[^1], out var to))
            {
                return false;
            }

            for (var day = (int)from; ; day = (day + 1) % 7)
            {
                days.Add((DayOfWeek)day);
                if (day == (int)to)
                {
                    break;
                }
            }
        }

        return days.Count > 0;
    }

    private static bool TryDay(string text, out DayOfWeek day)
    {
        // "Fri" or "Friday", in any case.
        var names = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;
        var index = text.Length >= 3 ? Array.FindIndex(names, n => n.StartsWith(text, StringComparison.OrdinalIgnoreCase)) : -1;
        day = (DayOfWeek)Math.Max(index, 0);
        return index >= 0;
    }

    private static TimeSpan ParseTime(string text) =>
        TryTime(text, out var time) ? time : throw new FormatException($"'{text}' is not a time of day.");

    private static bool TryTime(string text, out TimeSpan time)
    {
        time = default;
        if (text == "24:00")
        {
            time = TimeSpan.FromDays(1);
            return true;
        }

        if (!TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        time = parsed.ToTimeSpan();
        return true;
    }
}
