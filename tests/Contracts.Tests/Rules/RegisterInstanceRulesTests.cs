using System.Net;
using PretixOps.Contracts.Rules;

namespace PretixOps.Contracts.Tests.Rules;

public sealed class RegisterInstanceRulesTests
{
    internal static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    internal static readonly RegisterExporter Exporter = new("pretix", 9100, null, null, null);

    internal static readonly RegisterInstance Valid = new(
        "pretix_web", 3, null, "node-1", "10.0.0.5", [Exporter], null, null);

    /// <summary>Each rejected request, by a readable case name, with the field its error must name.</summary>
    internal static readonly Dictionary<string, (RegisterInstance Request, string Field)> Rejected = new(StringComparer.Ordinal)
    {
        ["service missing"] = (Valid with { Service = null }, "service"),
        ["service empty"] = (Valid with { Service = "" }, "service"),
        ["service ../etc"] = (Valid with { Service = "../etc" }, "service"),
        ["service a/b"] = (Valid with { Service = "a/b" }, "service"),
        ["service .hidden"] = (Valid with { Service = ".hidden" }, "service"),
        ["service of 129 characters"] = (Valid with { Service = new string('a', 129) }, "service"),
        ["slot negative"] = (Valid with { Slot = -1 }, "slot"),
        ["slot over a million"] = (Valid with { Slot = 1_000_001 }, "slot"),
        ["neither slot nor taskId"] = (Valid with { Slot = null, TaskId = null }, "slot"),
        ["taskId with a slash"] = (Valid with { Slot = null, TaskId = "task/1" }, "taskId"),
        ["taskId empty"] = (Valid with { Slot = null, TaskId = "" }, "taskId"),
        ["node with a space"] = (Valid with { Node = "node 1" }, "node"),
        ["node with a leading hyphen"] = (Valid with { Node = "-node" }, "node"),
        ["address not an address"] = (Valid with { Address = "not an address!" }, "address"),
        // Shorthand IPv4 that .NET would parse as another host, and all-numeric names (RFC 1123 2.1).
        ["address 999.1.1.1"] = (Valid with { Address = "999.1.1.1" }, "address"),
        ["address 010.0.0.5 (octal)"] = (Valid with { Address = "010.0.0.5" }, "address"),
        ["address 10.1 (shorthand)"] = (Valid with { Address = "10.1" }, "address"),
        ["address 0x0a.0.0.1 (hex)"] = (Valid with { Address = "0x0a.0.0.1" }, "address"),
        ["address 12345 (a number)"] = (Valid with { Address = "12345" }, "address"),
        ["address [10.0.0.5] (bracketed IPv4)"] = (Valid with { Address = "[10.0.0.5]" }, "address"),
        ["address [::1 (unmatched bracket)"] = (Valid with { Address = "[::1" }, "address"),
        ["address with a port"] = (Valid with { Address = "10.0.0.5:9100" }, "address"),
        ["address empty"] = (Valid with { Address = "" }, "address"),
        ["address missing and no caller"] = (Valid with { Address = null }, "address"),
        ["ttlSeconds -1"] = (Valid with { TtlSeconds = -1 }, "ttlSeconds"),
        ["ttlSeconds 86401"] = (Valid with { TtlSeconds = 86_401 }, "ttlSeconds"),
        ["17 exporters"] = (Valid with { Exporters = [.. Enumerable.Range(1, 17).Select(p => Exporter with { Port = p })] }, "exporters"),
        ["exporter null"] = (Valid with { Exporters = [null!] }, "exporters[0]"),
        ["exporter job missing"] = (Valid with { Exporters = [Exporter with { Job = null }] }, "exporters[0].job"),
        ["exporter job ../x"] = (Valid with { Exporters = [Exporter with { Job = "../x" }] }, "exporters[0].job"),
        ["exporter job .hidden"] = (Valid with { Exporters = [Exporter with { Job = ".hidden" }] }, "exporters[0].job"),
        ["exporter port missing"] = (Valid with { Exporters = [Exporter with { Port = null }] }, "exporters[0].port"),
        ["exporter port 0"] = (Valid with { Exporters = [Exporter with { Port = 0 }] }, "exporters[0].port"),
        ["exporter port 65536"] = (Valid with { Exporters = [Exporter with { Port = 65_536 }] }, "exporters[0].port"),
        ["second exporter port 0"] = (Valid with { Exporters = [Exporter, Exporter with { Job = "other", Port = 0 }] }, "exporters[1].port"),
        ["exporter path without leading slash"] = (Valid with { Exporters = [Exporter with { Path = "metrics" }] }, "exporters[0].path"),
        ["exporter path with a space"] = (Valid with { Exporters = [Exporter with { Path = "/my metrics" }] }, "exporters[0].path"),
        ["exporter path empty"] = (Valid with { Exporters = [Exporter with { Path = "" }] }, "exporters[0].path"),
        ["exporter path of 258 characters"] = (Valid with { Exporters = [Exporter with { Path = "/" + new string('m', 257) }] }, "exporters[0].path"),
        ["exporter scheme ftp"] = (Valid with { Exporters = [Exporter with { Scheme = "ftp" }] }, "exporters[0].scheme"),
        ["exporter scheme HTTP"] = (Valid with { Exporters = [Exporter with { Scheme = "HTTP" }] }, "exporters[0].scheme"),
        ["duplicate job and port"] = (Valid with { Exporters = [Exporter, Exporter with { Path = "/other" }] }, "exporters[1]"),
        ["label 1a"] = (Valid with { Labels = Labels("1a") }, "labels.1a"),
        ["label __x"] = (Valid with { Labels = Labels("__x") }, "labels.__x"),
        ["label a-b"] = (Valid with { Labels = Labels("a-b") }, "labels.a-b"),
        ["label empty name"] = (Valid with { Labels = Labels("") }, "labels."),
        ["label service"] = (Valid with { Labels = Labels("service") }, "labels.service"),
        ["label slot"] = (Valid with { Labels = Labels("slot") }, "labels.slot"),
        ["label node"] = (Valid with { Labels = Labels("node") }, "labels.node"),
        ["label task"] = (Valid with { Labels = Labels("task") }, "labels.task"),
        ["label instance_id"] = (Valid with { Labels = Labels("instance_id") }, "labels.instance_id"),
        ["label job"] = (Valid with { Labels = Labels("job") }, "labels.job"),
        ["label instance"] = (Valid with { Labels = Labels("instance") }, "labels.instance"),
        ["label value of 1025 characters"] = (Valid with { Labels = Labels("team", new string('v', 1025)) }, "labels.team"),
        ["label value null"] = (Valid with { Labels = Labels("team", null!) }, "labels.team"),
        ["33 labels"] = (Valid with { Labels = Enumerable.Range(0, 33).ToDictionary(i => $"l{i}", i => "v") }, "labels"),
        ["exporter label a-b"] = (Valid with { Exporters = [Exporter with { Labels = Labels("a-b") }] }, "exporters[0].labels.a-b"),
        ["exporter label job"] = (Valid with { Exporters = [Exporter with { Labels = Labels("job") }] }, "exporters[0].labels.job"),
        ["exporter label instance"] = (Valid with { Exporters = [Exporter with { Labels = Labels("instance") }] }, "exporters[0].labels.instance"),
        ["exporter label value of 1025 characters"] =
            (Valid with { Exporters = [Exporter with { Labels = Labels("team", new string('v', 1025)) }] }, "exporters[0].labels.team"),
        ["exporter with 33 labels"] =
            (Valid with { Exporters = [Exporter with { Labels = Enumerable.Range(0, 33).ToDictionary(i => $"l{i}", i => "v") }] }, "exporters[0].labels"),
    };

    public static TheoryData<string> RejectedCases => new(Rejected.Keys);

    [Theory]
    [MemberData(nameof(RejectedCases))]
    public void A_registration_with_a_wrong_field_is_refused_naming_that_field(string rejectedCase)
    {
        var (request, field) = Rejected[rejectedCase];

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.False(result.IsValid);
        Assert.Null(result.Registration);
        Assert.Contains(field, result.Errors.Keys);
        Assert.NotEmpty(result.Errors[field]);
    }

    [Fact]
    public void The_valid_base_request_of_the_table_is_accepted()
    {
        var result = RegisterInstanceRules.Validate(Valid, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Every_wrong_field_of_one_request_is_named_at_once()
    {
        var request = new RegisterInstance("../etc", -1, null, "node 1", "not an address!",
            [new RegisterExporter(null, 0, "metrics", "ftp", null)], Labels("a-b"), -1);

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal(
            ["address", "exporters[0].job", "exporters[0].path", "exporters[0].port", "exporters[0].scheme", "labels.a-b", "node", "service", "slot", "ttlSeconds"],
            result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Every consumer holds the instance id to the name rule (at most 128 characters); a service of 127 and its slot
    /// made a longer one, which Registration answered 202 and DiscoveryWriter then refused. Now refused here.
    /// </summary>
    [Theory]
    [InlineData(126, true)]
    [InlineData(127, false)]
    public void A_service_whose_instance_id_would_pass_128_characters_is_refused_naming_the_service(int length, bool valid)
    {
        var result = RegisterInstanceRules.Validate(Valid with { Service = new string('s', length), Slot = 3 }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal(valid, result.IsValid);
        Assert.Equal(valid ? [] : ["service"], result.Errors.Keys);
    }

    [Fact]
    public void Only_the_first_16_exporters_are_checked_when_there_are_too_many()
    {
        var request = Valid with { Exporters = [.. Enumerable.Range(0, 17).Select(_ => Exporter with { Port = 0 })] };

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Contains("exporters", result.Errors.Keys);
        Assert.Contains("exporters[15].port", result.Errors.Keys);
        Assert.DoesNotContain("exporters[16].port", result.Errors.Keys);
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("::1")]
    [InlineData("2001:db8::5")]
    [InlineData("tasks.pretix_web")]
    [InlineData("node-1.example.org")]
    public void An_ip_address_or_host_name_is_accepted_as_address(string address)
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = address }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Equal(address, result.Registration!.Address);
    }

    [Theory]
    [InlineData("[::1]", "::1")]
    [InlineData("[2001:db8::5]", "2001:db8::5")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("2001:DB8::1", "2001:db8::1")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    public void An_ip_address_in_the_body_is_registered_in_its_one_normal_spelling(string given, string normal)
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = given }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Equal(normal, result.Registration!.Address);
    }

    [Theory]
    [InlineData("node-1.example")]
    [InlineData("Node-1.Example")]
    [InlineData("tasks.pretix_web")]
    public void A_host_name_in_the_body_is_registered_as_given(string address)
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = address }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Equal(address, result.Registration!.Address);
    }

    [Theory]
    [InlineData("[::1]:9100")]
    [InlineData("fe80::1%eth0")]
    public void An_ipv6_address_with_a_port_or_a_zone_is_refused(string address)
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = address }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.False(result.IsValid);
        Assert.Contains("address", result.Errors.Keys);
    }

    [Theory]
    [InlineData(0, 1, null)]
    [InlineData(86_400, 65_535, "/")]
    [InlineData(1, 443, "/probe/metrics")]
    public void Boundary_values_are_accepted(int ttlSeconds, int port, string? path)
    {
        var request = Valid with { TtlSeconds = ttlSeconds, Exporters = [Exporter with { Port = port, Path = path, Scheme = "https" }] };

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Equal(ttlSeconds, result.Registration!.TtlSeconds);
        Assert.Equal(port, result.Registration.Exporters[0].Port);
    }

    [Fact]
    public void Exactly_16_exporters_and_32_labels_are_accepted()
    {
        var request = Valid with
        {
            Exporters = [.. Enumerable.Range(1, 16).Select(p => Exporter with { Port = p })],
            Labels = Enumerable.Range(0, 32).ToDictionary(i => $"l{i}", i => new string('v', 1024)),
        };

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Equal(16, result.Registration!.Exporters.Count);
        Assert.Equal(32, result.Registration.Labels.Count);
    }

    [Fact]
    public void The_same_port_under_two_jobs_is_accepted()
    {
        var request = Valid with { Exporters = [Exporter, Exporter with { Job = "other" }] };

        var result = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
    }

    [Fact]
    public void The_instance_id_is_service_dot_slot_when_a_slot_is_given()
    {
        var result = RegisterInstanceRules.Validate(Valid, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal("pretix_web.3", result.Registration!.InstanceId);
        Assert.Equal(3, result.Registration.Slot);
        Assert.Null(result.Registration.TaskId);
    }

    [Fact]
    public void The_instance_id_is_service_dot_slot_even_when_a_task_id_is_given_too()
    {
        var result = RegisterInstanceRules.Validate(Valid with { TaskId = "x8k2m9q4r7" }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal("pretix_web.3", result.Registration!.InstanceId);
        Assert.Equal("x8k2m9q4r7", result.Registration.TaskId);
    }

    [Fact]
    public void The_instance_id_is_the_task_id_without_a_slot()
    {
        var result = RegisterInstanceRules.Validate(Valid with { Slot = null, TaskId = "x8k2m9q4r7" }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal("x8k2m9q4r7", result.Registration!.InstanceId);
        Assert.Null(result.Registration.Slot);
    }

    [Fact]
    public void Slot_zero_is_a_slot()
    {
        var result = RegisterInstanceRules.Validate(Valid with { Slot = 0 }, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal("pretix_web.0", result.Registration!.InstanceId);
    }

    [Fact]
    public void An_exporter_without_path_or_scheme_gets_metrics_over_http()
    {
        var result = RegisterInstanceRules.Validate(Valid, caller: null, defaultTtlSeconds: 90, Now);

        var exporter = Assert.Single(result.Registration!.Exporters);
        Assert.Equal(new ExporterEndpoint("pretix", 9100, "/metrics", "http", exporter.Labels), exporter);
        Assert.Empty(exporter.Labels);
        Assert.Empty(result.Registration.Labels);
    }

    [Fact]
    public void A_given_path_scheme_and_labels_are_kept()
    {
        var request = Valid with
        {
            Exporters = [new RegisterExporter("pretix", 8443, "/probe", "https", Labels("Team", "ops"))],
            Labels = Labels("env", "prod"),
        };

        var registration = RegisterInstanceRules.Validate(request, caller: null, defaultTtlSeconds: 90, Now).Registration!;

        var exporter = Assert.Single(registration.Exporters);
        Assert.Equal(("pretix", 8443, "/probe", "https"), (exporter.Job, exporter.Port, exporter.Path, exporter.Scheme));
        Assert.Equal(Labels("Team", "ops"), exporter.Labels);
        Assert.Equal(Labels("env", "prod"), registration.Labels);
    }

    [Fact]
    public void Without_ttl_the_default_given_applies()
    {
        var result = RegisterInstanceRules.Validate(Valid, caller: null, defaultTtlSeconds: 45, Now);

        Assert.Equal(45, result.Registration!.TtlSeconds);
    }

    [Fact]
    public void A_given_ttl_wins_over_the_default()
    {
        var result = RegisterInstanceRules.Validate(Valid with { TtlSeconds = 0 }, caller: null, defaultTtlSeconds: 45, Now);

        Assert.Equal(0, result.Registration!.TtlSeconds);
    }

    [Fact]
    public void The_registration_time_is_the_time_given()
    {
        var result = RegisterInstanceRules.Validate(Valid, caller: null, defaultTtlSeconds: 90, Now);

        Assert.Equal(Now, result.Registration!.RegisteredAt);
    }

    [Fact]
    public void Without_address_the_callers_address_is_used()
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = null }, IPAddress.Parse("10.1.2.3"), defaultTtlSeconds: 90, Now);

        Assert.Equal("10.1.2.3", result.Registration!.Address);
    }

    [Fact]
    public void An_ipv4_caller_seen_as_ipv6_is_registered_with_its_ipv4_address()
    {
        var result = RegisterInstanceRules.Validate(
            Valid with { Address = null }, IPAddress.Parse("::ffff:10.1.2.3"), defaultTtlSeconds: 90, Now);

        Assert.Equal("10.1.2.3", result.Registration!.Address);
    }

    [Fact]
    public void An_ipv6_caller_is_registered_with_its_ipv6_address()
    {
        var result = RegisterInstanceRules.Validate(Valid with { Address = null }, IPAddress.Parse("2001:db8::7"), defaultTtlSeconds: 90, Now);

        Assert.Equal("2001:db8::7", result.Registration!.Address);
    }

    [Fact]
    public void An_address_in_the_body_wins_over_the_caller()
    {
        var result = RegisterInstanceRules.Validate(Valid, IPAddress.Parse("10.1.2.3"), defaultTtlSeconds: 90, Now);

        Assert.Equal("10.0.0.5", result.Registration!.Address);
    }

    [Fact]
    public void The_labels_of_the_registration_are_a_copy_of_the_request()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["env"] = "prod" };

        var registration = RegisterInstanceRules.Validate(Valid with { Labels = labels }, caller: null, defaultTtlSeconds: 90, Now).Registration!;
        labels["env"] = "changed";

        Assert.Equal("prod", registration.Labels["env"]);
    }

    private static Dictionary<string, string> Labels(string name, string value = "v") =>
        new(StringComparer.Ordinal) { [name] = value };
}
