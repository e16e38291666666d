using MassTransit;

namespace PretixOps.ServiceDefaults.Tests;

public sealed class PackageLineTests
{
    [Fact]
    public void MassTransit_stays_on_the_open_source_8_line()
    {
        // The 9 line is commercially licensed; Directory.Packages.props pins [8.5.11, 9.0).
        var version = typeof(IBus).Assembly.GetName().Version!;

        Assert.Equal(8, version.Major);
        Assert.True(version >= new Version(8, 5, 11), version.ToString());
    }
}
