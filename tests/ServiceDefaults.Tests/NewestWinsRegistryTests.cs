namespace PretixOps.ServiceDefaults.Tests;

/// <summary>Changes that arrive out of order: the newest wins, and a removal is remembered until it is forgotten.</summary>
public sealed class NewestWinsRegistryTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly NewestWinsRegistry<string> _registry = new();

    [Fact]
    public void A_newer_change_replaces_the_entry_and_says_what_it_replaced()
    {
        Assert.True(_registry.Set("a", "one", T0, out var first));
        Assert.True(_registry.Set("a", "two", T0.AddSeconds(1), out var replaced));

        Assert.Null(first);
        Assert.Equal("one", replaced);
        Assert.True(_registry.TryGet("a", out var value));
        Assert.Equal("two", value);
    }

    [Fact]
    public void An_older_change_arriving_late_changes_nothing()
    {
        _registry.Set("a", "new", T0.AddSeconds(10), out _);

        Assert.False(_registry.Set("a", "old", T0, out _));
        Assert.Equal(["new"], _registry.Values);
    }

    [Fact]
    public void A_change_as_old_as_the_entry_is_taken()
    {
        _registry.Set("a", "one", T0, out _);

        Assert.True(_registry.Set("a", "again", T0, out _));
        Assert.Equal(["again"], _registry.Values);
    }

    [Fact]
    public void A_removal_removes_an_older_entry_and_returns_it()
    {
        _registry.Set("a", "one", T0, out _);

        Assert.True(_registry.Remove("a", T0.AddSeconds(5), out var removed));
        Assert.Equal("one", removed);
        Assert.Equal(0, _registry.Count);
        Assert.Equal(T0.AddSeconds(5), _registry.Removals["a"]);
    }

    [Fact]
    public void A_removal_older_than_the_entry_leaves_it_and_is_remembered()
    {
        _registry.Set("a", "one", T0.AddSeconds(10), out _);

        Assert.False(_registry.Remove("a", T0, out _));
        Assert.Equal(["one"], _registry.Values);
        Assert.Equal(T0, _registry.Removals["a"]);
    }

    [Fact]
    public void A_change_not_newer_than_a_remembered_removal_does_not_bring_the_entry_back()
    {
        _registry.Remove("a", T0.AddSeconds(10), out _);

        Assert.False(_registry.Set("a", "late", T0.AddSeconds(5), out _));
        Assert.False(_registry.Set("a", "same time", T0.AddSeconds(10), out _));
        Assert.True(_registry.Set("a", "newer", T0.AddSeconds(11), out _));
        Assert.Equal(["newer"], _registry.Values);
    }

    [Fact]
    public void The_latest_removal_is_the_one_remembered()
    {
        _registry.Remove("a", T0.AddSeconds(10), out _);
        _registry.Remove("a", T0, out _);

        Assert.Equal(T0.AddSeconds(10), _registry.Removals["a"]);
    }

    [Fact]
    public void A_forgotten_removal_no_longer_stops_an_older_change()
    {
        _registry.Remove("a", T0, out _);
        _registry.Remove("b", T0.AddMinutes(10), out _);

        _registry.ForgetRemovalsBefore(T0.AddMinutes(5));

        Assert.Equal(["b"], _registry.Removals.Keys);
        Assert.True(_registry.Set("a", "back", T0.AddSeconds(-1), out _));
    }

    [Fact]
    public void Keys_compare_ordinally()
    {
        _registry.Set("a", "lower", T0, out _);
        _registry.Set("A", "upper", T0, out _);

        Assert.Equal(2, _registry.Count);
    }

    [Fact]
    public void What_is_restored_is_taken_as_saved_and_then_compared_as_usual()
    {
        _registry.RestoreRemoval("gone", T0.AddSeconds(10));
        _registry.Restore("a", "saved", T0.AddSeconds(10));

        Assert.Equal(["saved"], _registry.Values);
        Assert.False(_registry.Set("a", "older", T0, out _));
        Assert.False(_registry.Set("gone", "older", T0, out _));
    }
}
