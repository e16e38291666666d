using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>
/// <c>Auth:CredentialsFile</c>: credentials by their tokens' hashes, each refused field named by entry; two tokens of
/// one name both valid (a rotation); a changed file read again, a broken one leaving the credentials in force.
/// </summary>
public sealed class CredentialsFileTests : IDisposable
{
    private const string Web = "web-token-0123456789abcdef";
    private const string WebNext = "web-next-token-0123456789abcdef";

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"credentials-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_file);

    [Theory]
    [InlineData("""[{"name":"web","sha256":"@web","roles":["register"]}]""",
        "Auth:CredentialsFile[0].services: a credential with the role 'register' must list the services it may register.")]
    [InlineData("""[{"name":"web","sha256":"abc","roles":["read"]}]""",
        "Auth:CredentialsFile[0].sha256: must be the token's SHA-256 as 64 hex digits.")]
    [InlineData("""[{"name":"web","sha256":"@web","roles":["read"],"servcies":["pretix_web"]}]""",
        "Auth:CredentialsFile[0].servcies: is not a JSON array (or JSON lines) of credential objects with known fields of the right types (line 1).")]
    [InlineData("""[{"name":"web","sha256":"@web","roles":["read","register-any-address"]}]""",
        "Auth:CredentialsFile[0].roles: 'register-any-address' goes with 'register'.")]
    [InlineData("{\"name\":\"web\",\"sha256\":\"@web\",\"roles\":[\"read\"]}\n{\"name\":\"web\",\"sha256\":\"@next\",\"roles\":[\"operate\"]}",
        "Auth:CredentialsFile[1].roles: 'web' is named by another entry with other roles or services: the entries of one name (a rotation) must say the same.")]
    public void A_bad_entry_is_refused_naming_its_field_and_never_a_token(string json, string expected)
    {
        File.WriteAllText(_file, json.Replace("@web", Hash(Web), StringComparison.Ordinal).Replace("@next", Hash(WebNext), StringComparison.Ordinal));

        var failure = ConfigurationFailure.Describe(Assert.Throws<OptionsValidationException>(() => Bind())) ?? "";

        Assert.Equal(expected, failure);
        Assert.DoesNotContain(Hash(Web), failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_tokens_of_a_rotation_are_the_same_caller_and_a_token_not_in_the_file_is_nobody()
    {
        Write(Entry("web", Web), Entry("web", WebNext));
        var policy = new AccessPolicy(Options.Create(Bind()));

        var first = policy.Authenticate($"Bearer {Web}");
        var second = policy.Authenticate($"Bearer {WebNext}");

        Assert.Equal("web", first?.Name);
        Assert.Same(first, second);
        Assert.True(first!.MayRegister("pretix_web"));
        Assert.False(first.MayRegister("pretix_db"));
        Assert.Null(policy.Authenticate("Bearer other-token-0123456789abcdef"));
    }

    [Fact]
    public void A_changed_file_is_read_again_and_a_broken_one_keeps_the_credentials_in_force()
    {
        Write(Entry("web", Web));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var policy = new AccessPolicy(Options.Create(Bind()), clock: clock);
        Assert.NotNull(policy.Authenticate($"Bearer {Web}"));

        // The rotation's end: only the new token.
        Write(Entry("web", WebNext));
        File.SetLastWriteTimeUtc(_file, DateTime.UtcNow.AddSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(policy.Authenticate($"Bearer {WebNext}"));
        Assert.Null(policy.Authenticate($"Bearer {Web}"));

        File.WriteAllText(_file, "[{\"name\":");
        File.SetLastWriteTimeUtc(_file, DateTime.UtcNow.AddSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(policy.Authenticate($"Bearer {WebNext}"));
    }

    [Fact]
    public void A_shared_token_reads_only()
    {
        Write(Entry("web", Web));
        var policy = new AccessPolicy(Options.Create(Bind(("Auth:Tokens:0", "shared-token-0123456789abcdef"))));
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer shared-token-0123456789abcdef";

        Assert.Null(policy.Check(context, Roles.Read));
        Assert.NotNull(policy.Check(context, Roles.Register));
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Entry(string name, string token) =>
        $$"""{"name":"{{name}}","sha256":"{{Hash(token)}}","roles":["register"],"services":["pretix_web"]}""";

    private void Write(params string[] entries) => File.WriteAllText(_file, "[" + string.Join(",\n", entries) + "]");

    private AccessOptions Bind(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Auth:CredentialsFile"] = _file };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<AccessOptions>(AccessOptions.Section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<AccessOptions>>().Value;
    }
}
