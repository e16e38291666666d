using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Tests;

/// <summary>When a schedule window is open, in its own time zone: weekly windows (across midnight too), cron windows, daylight saving time.</summary>
public sealed class ScheduleWindowTests
{
    private static readonly ScheduleWindow FridaySale =
        new() { Name = "friday-sale", Days = "Fri", Start = "17:00", End = "23:00", TimeZone = "Europe/Lisbon", Min = 4 };

    [Theory]
    [InlineData("2026-06-05T15:59:00Z", null)]                   // Friday 16:59 in Lisbon (UTC+1 in summer)
    [InlineData("2026-06-05T16:00:00Z", "2026-06-05T22:00:00Z")] // 17:00: opens
    [InlineData("2026-06-05T21:59:00Z", "2026-06-05T22:00:00Z")]
    [InlineData("2026-06-05T22:00:00Z", null)]                   // 23:00: closed
    [InlineData("2026-06-12T16:30:00Z", "2026-06-12T22:00:00Z")] // the next Friday
    [InlineData("2026-06-06T16:30:00Z", null)]                   // a Saturday
    [InlineData("2026-12-04T17:30:00Z", "2026-12-04T23:00:00Z")] // winter: Lisbon is UTC
    public void A_weekly_window_is_open_on_its_days_between_its_times_in_its_zone(string now, string? until)
    {
        Assert.Equal(until is null ? null : DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture),
            FridaySale.OpenUntil(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2026-06-06T21:30:00Z", "2026-06-07T02:00:00Z")] // Saturday 21:30: opened that night
    [InlineData("2026-06-07T01:30:00Z", "2026-06-07T02:00:00Z")] // Sunday 01:30: still the Saturday night's
    [InlineData("2026-06-07T21:30:00Z", null)]                   // Sunday 21:30: Sunday is not a day of it
    [InlineData("2026-06-08T01:30:00Z", null)]
    public void A_window_across_midnight_belongs_to_the_day_it_opens(string now, string? until)
    {
        var night = new ScheduleWindow { Name = "saturday-night", Days = "Fri-Sat", Start = "21:00", End = "02:00", Max = 3 };

        Assert.Equal(until is null ? null : DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture),
            night.OpenUntil(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2026-06-05T15:59:00Z", null)]
    [InlineData("2026-06-05T16:00:00Z", "2026-06-05T22:00:00Z")] // 0 17 * * FRI in Lisbon, for six hours
    [InlineData("2026-06-05T21:59:59Z", "2026-06-05T22:00:00Z")]
    [InlineData("2026-06-05T22:00:00Z", null)]
    public void A_cron_window_opens_at_its_expression_in_its_zone_and_stays_open_for_its_duration(string now, string? until)
    {
        var sale = new ScheduleWindow { Name = "sale", Cron = "0 17 * * FRI", Duration = TimeSpan.FromHours(6), TimeZone = "Europe/Lisbon", Min = 4 };

        Assert.Equal(until is null ? null : DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture),
            sale.OpenUntil(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_window_on_the_night_the_clocks_go_back_closes_at_its_local_time()
    {
        // 25 October 2026: Lisbon goes from UTC+1 back to UTC at 02:00 local. A window 00:00-06:00 that Sunday closes
        // at 06:00 local, which is 06:00 UTC (not 05:00).
        var night = new ScheduleWindow { Name = "night", Days = "Sun", Start = "00:00", End = "06:00", TimeZone = "Europe/Lisbon", Max = 2 };

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 6, 0, 0, TimeSpan.Zero), night.OpenUntil(new DateTimeOffset(2026, 10, 25, 3, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("Mon-Fri", "2026-06-01T10:00:00Z", true)]
    [InlineData("Mon-Fri", "2026-06-06T10:00:00Z", false)]
    [InlineData("Sat,Sun", "2026-06-07T10:00:00Z", true)]
    [InlineData("friday", "2026-06-05T10:00:00Z", true)]
    [InlineData("Fri-Mon", "2026-06-08T10:00:00Z", true)]
    [InlineData("Fri-Mon", "2026-06-09T10:00:00Z", false)]
    public void Days_are_names_lists_and_ranges_that_may_wrap_the_week(string days, string now, bool open)
    {
        var window = new ScheduleWindow { Name = "w", Days = days, Start = "00:00", End = "24:00", Min = 1 };

        Assert.Equal(open, window.OpenUntil(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)) is not null);
    }
}
