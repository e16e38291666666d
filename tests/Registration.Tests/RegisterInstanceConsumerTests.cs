using MassTransit;
using MassTransit.Testing;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>
/// A fresh host per test: the harness stops waiting for messages once its bus has been idle, so a bus
/// shared with earlier tests would no longer wait for the consumer to finish.
/// </summary>
public sealed class RegisterInstanceConsumerTests : IAsyncLifetime
{
    private readonly RegistrationHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_valid_registration_sent_over_amqp_is_published_as_registered()
    {
        await _host.Harness.Bus.Publish(new RegisterInstance(
            "amqp_valid", 2, null, "node-2", "10.0.0.9",
            [new RegisterExporter("pretix", 9100, null, null, new Dictionary<string, string> { ["Team"] = "ops" })],
            new Dictionary<string, string> { ["env"] = "prod" }, null));

        Assert.True(await _host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.Service == "amqp_valid"));
        var registration = Assert.Single(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "amqp_valid"))
            .Context.Message;
        Assert.Equal("amqp_valid.2", registration.InstanceId);
        Assert.Equal("10.0.0.9", registration.Address);
        Assert.Equal("node-2", registration.Node);
        Assert.Equal(90, registration.TtlSeconds);
        var exporter = Assert.Single(registration.Exporters);
        Assert.Equal(("pretix", 9100, "/metrics", "http"), (exporter.Job, exporter.Port, exporter.Path, exporter.Scheme));
        Assert.Equal("ops", exporter.Labels["Team"]);
        Assert.Equal("prod", registration.Labels["env"]);
    }

    [Fact]
    public async Task A_registration_over_amqp_without_address_faults_naming_the_address()
    {
        await _host.Harness.Bus.Publish(new RegisterInstance(
            "amqp_no_address", 1, null, null, null, [new RegisterExporter("pretix", 9100, null, null, null)], null, null));

        Assert.True(await _host.Harness.Consumed.Any<RegisterInstance>(
            m => m.Context.Message.Service == "amqp_no_address" && m.Exception is InvalidRegistrationException));
        var consumed = _host.Harness.Consumed.Select<RegisterInstance>(m => m.Context.Message.Service == "amqp_no_address").First();
        var exception = Assert.IsType<InvalidRegistrationException>(consumed.Exception);
        Assert.Contains("address", exception.Message, StringComparison.Ordinal);
        Assert.Equal(["address"], exception.Errors.Keys);

        Assert.True(await _host.Harness.Published.Any<Fault<RegisterInstance>>(m => m.Context.Message.Message.Service == "amqp_no_address"));
        var fault = _host.Harness.Published.Select<Fault<RegisterInstance>>(m => m.Context.Message.Message.Service == "amqp_no_address")
            .First().Context.Message;
        var info = Assert.Single(fault.Exceptions);
        Assert.Equal(typeof(InvalidRegistrationException).FullName, info.ExceptionType);
        Assert.Contains("address", info.Message, StringComparison.Ordinal);
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "amqp_no_address").Any());
    }

    [Fact]
    public async Task An_invalid_exporter_over_amqp_faults_naming_the_exporter_field()
    {
        await _host.Harness.Bus.Publish(new RegisterInstance(
            "amqp_bad_port", 1, null, null, "10.0.0.9", [new RegisterExporter("pretix", 70_000, null, null, null)], null, null));

        Assert.True(await _host.Harness.Published.Any<Fault<RegisterInstance>>(m => m.Context.Message.Message.Service == "amqp_bad_port"));
        var fault = _host.Harness.Published.Select<Fault<RegisterInstance>>(m => m.Context.Message.Message.Service == "amqp_bad_port")
            .First().Context.Message;
        var info = Assert.Single(fault.Exceptions);
        Assert.Equal(typeof(InvalidRegistrationException).FullName, info.ExceptionType);
        Assert.Contains("exporters[0].port", info.Message, StringComparison.Ordinal);
    }
}
