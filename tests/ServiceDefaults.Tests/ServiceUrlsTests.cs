using Microsoft.Extensions.Configuration;

namespace PretixOps.ServiceDefaults.Tests;

public sealed class ServiceUrlsTests
{
    private static readonly ServiceInfo Registration = new("registration", DefaultPort: 5101);

    [Fact]
    public void Listens_on_every_interface_at_the_default_port_unless_told()
    {
        Assert.Equal("http://+:5101", ServiceUrls.Resolve(Config([]), Registration));
    }

    [Fact]
    public void The_standard_urls_setting_overrides_the_default_port()
    {
        var urls = ServiceUrls.Resolve(Config(new() { ["urls"] = "http://127.0.0.1:6101" }), Registration);

        Assert.Equal("http://127.0.0.1:6101", urls);
    }

    [Theory]
    [InlineData("http://+:5101", "http://127.0.0.1:5101/")]
    [InlineData("http://*:5101", "http://127.0.0.1:5101/")]
    [InlineData("http://0.0.0.0:5101;http://[::]:5102", "http://127.0.0.1:5101/")]
    [InlineData("http://10.0.0.5:8080/", "http://10.0.0.5:8080/")]
    public void The_health_probe_reaches_a_wildcard_listener_on_loopback(string urls, string expected)
    {
        Assert.Equal(new Uri(expected), ServiceUrls.LocalBase(urls));
    }

    private static IConfiguration Config(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
