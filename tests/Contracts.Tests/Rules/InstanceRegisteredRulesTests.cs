using PretixOps.Contracts.Rules;

namespace PretixOps.Contracts.Tests.Rules;

/// <summary>
/// Consumers check an <see cref="InstanceRegistered"/> with the producer's own rules: whatever Registration refuses
/// as a request is refused as a message, naming the same field, and what Registration publishes passes.
/// </summary>
public sealed class InstanceRegisteredRulesTests
{
    private static readonly InstanceRegistered Published =
        RegisterInstanceRules.Validate(RegisterInstanceRulesTests.Valid, caller: null, defaultTtlSeconds: 90, RegisterInstanceRulesTests.Now).Registration!;

    public static TheoryData<string> RefusedRequests => new(RegisterInstanceRulesTests.Rejected.Keys);

    [Fact]
    public void What_Registration_publishes_passes()
    {
        Assert.True(InstanceRegisteredRules.Check(Published).IsEmpty, InstanceRegisteredRules.Check(Published).ToString());
    }

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public void A_request_Registration_refuses_is_refused_as_a_message_naming_the_same_field(string refusedRequest)
    {
        var (request, field) = RegisterInstanceRulesTests.Rejected[refusedRequest];

        // Written straight onto the bus, as anyone with broker credentials could, without Registration's defaults.
        var message = new InstanceRegistered(
            Published.InstanceId, request.Service!, request.Slot, request.TaskId, request.Node, request.Address!,
            request.Exporters?.Select(e => e is null ? null! : new ExporterEndpoint(
                e.Job!, e.Port ?? 0, e.Path ?? "/metrics", e.Scheme ?? "http", e.Labels ?? new Dictionary<string, string>())).ToList()!,
            request.Labels ?? new Dictionary<string, string>(), request.TtlSeconds ?? 90, Published.RegisteredAt);

        Assert.Contains(field, InstanceRegisteredRules.Check(message).ByField().Keys);
    }

    public static TheoryData<string> RefusedMessages => new(Messages.Keys);

    /// <summary>What only a message can get wrong: fields the producer always fills in, the id, the normal address.</summary>
    private static readonly Dictionary<string, (InstanceRegistered Message, string Field)> Messages = new(StringComparer.Ordinal)
    {
        ["instance id ../x"] = (Published with { InstanceId = "../x" }, "instanceId"),
        ["instance id of 129 characters"] = (Published with { InstanceId = new string('i', 129) }, "instanceId"),
        ["instance id missing"] = (Published with { InstanceId = null! }, "instanceId"),
        ["address in brackets"] = (Published with { Address = "[fd00::5]" }, "address"),
        ["address in capitals"] = (Published with { Address = "FD00::5" }, "address"),
        ["address ::ffff:10.0.0.5"] = (Published with { Address = "::ffff:10.0.0.5" }, "address"),
        ["labels missing"] = (Published with { Labels = null! }, "labels"),
        ["exporters missing"] = (Published with { Exporters = null! }, "exporters"),
        ["exporter path missing"] = (Published with { Exporters = [Published.Exporters[0] with { Path = null! }] }, "exporters[0].path"),
        ["exporter scheme missing"] = (Published with { Exporters = [Published.Exporters[0] with { Scheme = null! }] }, "exporters[0].scheme"),
        ["exporter labels missing"] = (Published with { Exporters = [Published.Exporters[0] with { Labels = null! }] }, "exporters[0].labels"),
    };

    [Theory]
    [MemberData(nameof(RefusedMessages))]
    public void A_message_that_is_not_what_Registration_publishes_is_refused_naming_the_field(string refusedMessage)
    {
        var (message, field) = Messages[refusedMessage];

        Assert.Contains(field, InstanceRegisteredRules.Check(message).ByField().Keys);
    }

    [Fact]
    public void The_reason_names_every_field()
    {
        var violations = InstanceRegisteredRules.Check(Published with { Node = "a b", TtlSeconds = -1 });

        Assert.Equal("node must be a host name.; ttlSeconds must be between 0 (never expires) and 86400.", violations.ToString());
    }

    [Theory]
    [InlineData("pretix_web.3", "pretix_web", DeregistrationReason.Explicit, null)]
    [InlineData("x8k2m9q4r7", "", DeregistrationReason.Expired, null)]
    [InlineData("../x", "pretix_web", DeregistrationReason.Explicit, "instanceId")]
    [InlineData("pretix_web.3", "a/b", DeregistrationReason.Explicit, "service")]
    [InlineData("pretix_web.3", null, DeregistrationReason.Explicit, "service")]
    [InlineData("pretix_web.3", "pretix_web", (DeregistrationReason)7, "reason")]
    public void A_deregistration_is_refused_naming_its_wrong_field(string instanceId, string? service, DeregistrationReason reason, string? field)
    {
        var violations = InstanceDeregisteredRules.Check(new InstanceDeregistered(instanceId, service!, reason, DateTimeOffset.UnixEpoch));

        Assert.Equal(field is null ? [] : [field], violations.ByField().Keys);
    }
}
