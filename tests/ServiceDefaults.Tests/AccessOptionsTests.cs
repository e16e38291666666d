using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>Named credentials: each refused setting names itself, and one token is one identity.</summary>
public sealed class AccessOptionsTests
{
    private const string Alice = "alice-token-0123456789abcdef";

    [Theory]
    [InlineData("Name", "alice smith", "Auth:Credentials:0:Name: is required and must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$.")]
    [InlineData("Token", "short", "Auth:Credentials:0:Token: must be at least 16 characters long.")]
    [InlineData("Roles:0", "admin", "Auth:Credentials:0:Roles: 'admin' is not a role: register, alerts, operate, read, register-any-address.")]
    public void A_bad_credential_is_refused_naming_its_setting(string key, string value, string expected)
    {
        var failure = Failure(new()
        {
            ["Auth:Credentials:0:Name"] = "alice",
            ["Auth:Credentials:0:Token"] = Alice,
            [$"Auth:Credentials:0:{key}"] = value,
        });

        Assert.Equal(expected, failure);
    }

    [Theory]
    [InlineData("Auth:Credentials:1:Token")]
    [InlineData("Auth:Tokens:0")]
    public void A_token_two_identities_share_is_refused(string otherKey)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Credentials:0:Name"] = "alice",
            ["Auth:Credentials:0:Token"] = Alice,
            [otherKey] = Alice,
        };
        if (otherKey.StartsWith("Auth:Credentials:1", StringComparison.Ordinal))
        {
            settings["Auth:Credentials:1:Name"] = "bob";
        }

        var failure = Failure(settings);

        Assert.Contains("Credentials:", failure, StringComparison.Ordinal);
        Assert.Contains("is a token another credential (or Auth:Tokens) has already", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(Alice, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_credential_alone_is_enough_to_start()
    {
        var options = Bind(new() { ["Auth:Credentials:0:Name"] = "alice", ["Auth:Credentials:0:Token"] = Alice, ["Auth:Credentials:0:Roles:0"] = "operate" });

        Assert.Equal(["operate"], Assert.Single(options.Credentials).Roles);
    }

    private static AccessOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<AccessOptions>(AccessOptions.Section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<AccessOptions>>().Value;
    }

    private static string Failure(Dictionary<string, string?> settings) =>
        ConfigurationFailure.Describe(Assert.Throws<OptionsValidationException>(() => Bind(settings))) ?? "";
}
