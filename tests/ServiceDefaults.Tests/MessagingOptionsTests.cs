using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults.Tests;

public sealed class MessagingOptionsTests : IDisposable
{
    private readonly string _secretFile = Path.GetTempFileName();

    public void Dispose() => File.Delete(_secretFile);

    [Theory]
    [InlineData("Port", "0", "Messaging:Port: The field Port must be between 1 and 65535.")]
    [InlineData("Port", "70000", "Messaging:Port: The field Port must be between 1 and 65535.")]
    [InlineData("Host", "", "Messaging:Host: The Host field is required.")]
    [InlineData("PrefetchCount", "0", "Messaging:PrefetchCount: The field PrefetchCount must be between 1 and 1000.")]
    [InlineData("ConcurrentMessageLimit", "0", "Messaging:ConcurrentMessageLimit: The field ConcurrentMessageLimit must be between 1 and 256.")]
    [InlineData("RetryMaxInterval", "00:00:00.050", "Messaging:RetryMaxInterval: must not be shorter than RetryMinInterval.")]
    public void A_bad_value_is_refused_naming_its_setting(string key, string value, string expected)
    {
        var failure = Failure(new() { ["Messaging:Password"] = "x", [$"Messaging:{key}"] = value });

        Assert.Equal(expected, failure);
    }

    [Theory]
    [InlineData("rabbitmq 2", "Messaging:ClusterNodes: 'rabbitmq 2' is not a host or host:port.")]
    [InlineData("rabbitmq-2:0", "Messaging:ClusterNodes: 'rabbitmq-2:0' is not a host or host:port.")]
    [InlineData("rabbitmq-2:amqp", "Messaging:ClusterNodes: 'rabbitmq-2:amqp' is not a host or host:port.")]
    public void A_cluster_node_that_is_not_an_address_is_refused_naming_it(string node, string expected)
    {
        var failure = Failure(new() { ["Messaging:Password"] = "x", ["Messaging:ClusterNodes:0"] = node });

        Assert.Equal(expected, failure);
    }

    [Fact]
    public void Cluster_nodes_and_quorum_queues_bind_from_the_environment_form()
    {
        var options = Bind(new()
        {
            ["Messaging:Password"] = "x",
            ["Messaging:ClusterNodes:0"] = "rabbitmq-2",
            ["Messaging:ClusterNodes:1"] = "10.0.0.3:5673",
            ["Messaging:QuorumQueues"] = "true",
        });

        Assert.Equal(["rabbitmq-2", "10.0.0.3:5673"], options.Value.ClusterNodes);
        Assert.True(options.Value.QuorumQueues);
    }

    [Theory]
    [InlineData("no-such-file", "Messaging:CaFile: CaFile names a file that does not exist")]
    [InlineData("not-pem", "Messaging:CaFile: CaFile: ")]
    [InlineData("without-tls", "Messaging:CaFile: is set but UseTls is not")]
    public void A_CA_file_that_cannot_be_used_is_refused_naming_it(string case_, string expected)
    {
        var file = case_ == "no-such-file" ? _secretFile + ".gone" : _secretFile;
        File.WriteAllText(_secretFile, "not a certificate");
        var failure = Failure(new()
        {
            ["Messaging:Password"] = "x",
            ["Messaging:UseTls"] = case_ == "without-tls" ? "false" : "true",
            ["Messaging:CaFile"] = file,
        });

        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_password_is_refused_naming_both_ways_to_give_it()
    {
        Assert.Equal(
            "Messaging:Password: set Password (environment) or PasswordFile (a secret file).",
            Failure([]));
    }

    [Fact]
    public void A_password_given_twice_is_refused()
    {
        var failure = Failure(new() { ["Messaging:Password"] = "x", ["Messaging:PasswordFile"] = _secretFile });

        Assert.Equal("Messaging:Password: both Password and PasswordFile are set; set one.", failure);
    }

    [Fact]
    public void A_missing_password_file_is_refused_without_reading_anything()
    {
        var failure = Failure(new() { ["Messaging:PasswordFile"] = "/run/secrets/does-not-exist" });

        Assert.Equal("Messaging:Password: PasswordFile names a file that does not exist: /run/secrets/does-not-exist", failure);
    }

    [Fact]
    public void A_password_file_is_read_without_its_trailing_newline()
    {
        File.WriteAllText(_secretFile, "s3cret\n");

        var options = Bind(new() { ["Messaging:PasswordFile"] = _secretFile });

        Assert.Equal("s3cret", options.Value.ResolvePassword());
    }

    [Fact]
    public void An_unknown_key_is_an_error_not_a_silent_default()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => Bind(new() { ["Messaging:Password"] = "x", ["Messaging:Prot"] = "5673" }).Value);

        Assert.Contains("'Prot'", ConfigurationFailure.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_an_error_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => Bind(new() { ["Messaging:Password"] = "x", ["Messaging:Port"] = "amqp" }).Value);

        Assert.Contains("'Messaging:Port'", ConfigurationFailure.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_suit_a_two_core_machine()
    {
        var options = Bind(new() { ["Messaging:Password"] = "x" }).Value;

        Assert.Equal(("127.0.0.1", 5672, "/"), (options.Host, options.Port, options.VirtualHost));
        Assert.Equal((16, 8, 5), (options.PrefetchCount, options.ConcurrentMessageLimit, options.RetryLimit));
    }

    private static string? Failure(Dictionary<string, string?> settings)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(settings).Value);
        return ConfigurationFailure.Describe(error);
    }

    private static IOptions<MessagingOptions> Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<MessagingOptions>(MessagingOptions.Section);
        return services.BuildServiceProvider().GetRequiredService<IOptions<MessagingOptions>>();
    }
}
