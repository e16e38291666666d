using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>
/// The one CIDR rule of every setting that lists networks (Auth:AllowedNetworks, ForwardedHeaders:TrustedProxies,
/// Registration's report networks, SnmpPoller:OnDemandAllowedNetworks): what is refused at start is never read later.
/// </summary>
public sealed class NetworksTests
{
    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("127.0.0.1/32")]
    [InlineData("::1/128")]
    [InlineData("fd00::/8")]
    public void A_cidr_is_accepted_and_read(string cidr)
    {
        Assert.Empty(Networks.Validate([cidr], "Setting"));
        Assert.Equal(IPNetwork.Parse(cidr), Assert.Single(Networks.Parse([cidr])));
    }

    [Theory]
    [InlineData("10.0.0.0/99")]
    [InlineData("not a network")]
    [InlineData("")]
    // SnmpPoller read its list trimmed and so accepted these; every other list refused them. The strict rule wins.
    [InlineData(" 10.0.0.0/8")]
    [InlineData("10.0.0.0/8 ")]
    public void What_is_not_a_cidr_is_refused_naming_the_setting_and_the_entry(string cidr)
    {
        var refused = Assert.Single(Networks.Validate(["127.0.0.0/8", cidr], "ReportFormat:AllowedNetworks"));

        Assert.Equal($"'{cidr}' is not a CIDR such as 10.0.0.0/8.", refused.ErrorMessage);
        Assert.Equal(["ReportFormat:AllowedNetworks"], refused.MemberNames);
    }

    [Fact]
    public void Each_setting_is_refused_with_the_same_rule()
    {
        var trusted = new TrustedProxyOptions { TrustedProxies = [" 10.0.0.2/32"] };
        var access = new AccessOptions { Tokens = ["a-token-of-sixteen-characters"], AllowedNetworks = [" 10.0.0.0/8"] };

        Assert.Equal("' 10.0.0.2/32' is not a CIDR such as 10.0.0.2/32.", Assert.Single(Refusals(trusted)).ErrorMessage);
        Assert.Equal("' 10.0.0.0/8' is not a CIDR such as 10.0.0.0/8.", Assert.Single(Refusals(access)).ErrorMessage);
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("11.1.2.3", false)]
    public void An_ipv4_caller_seen_as_ipv6_is_in_its_ipv4_network(string address, bool inside)
    {
        Assert.Equal(inside, Networks.Contains(Networks.Parse(["10.0.0.0/8"]), IPAddress.Parse(address)));
    }

    private static List<ValidationResult> Refusals(IValidatableObject options) =>
        [.. options.Validate(new ValidationContext(options))];
}
