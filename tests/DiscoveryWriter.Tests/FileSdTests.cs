using System.Text;
using PretixOps.Contracts;
using PretixOps.DiscoveryWriter.Files;
using static PretixOps.DiscoveryWriter.Tests.Samples;

namespace PretixOps.DiscoveryWriter.Tests;

public sealed class FileSdTests
{
    [Fact]
    public void A_target_group_carries_the_instance_identity_and_its_labels_with_pretixops_labels_winning()
    {
        var registration = Registered(
            slot: 3,
            taskId: "x8k2m9q4r7",
            node: "node-1",
            exporters: [Exporter(labels: new Dictionary<string, string> { ["team"] = "exporter", ["tier"] = "web" })],
            labels: new Dictionary<string, string> { ["team"] = "instance", ["env"] = "prod", ["service"] = "spoofed", ["instance_id"] = "spoofed" });

        var json = Render("pretix", registration);

        Assert.Equal("""
            [
              {
                "targets": [
                  "10.0.0.5:9100"
                ],
                "labels": {
                  "env": "prod",
                  "instance_id": "pretix_web.3",
                  "node": "node-1",
                  "service": "pretix_web",
                  "slot": "3",
                  "task": "x8k2m9q4r7",
                  "team": "exporter",
                  "tier": "web"
                }
              }
            ]

            """, json);
    }

    [Fact]
    public void An_instance_without_slot_node_or_task_has_only_service_and_instance_id()
    {
        var json = Render("pretix", Registered(slot: null, taskId: "t0only") with { TaskId = null });

        Assert.Equal("""
            [
              {
                "targets": [
                  "10.0.0.5:9100"
                ],
                "labels": {
                  "instance_id": "t0only",
                  "service": "pretix_web"
                }
              }
            ]

            """, json);
    }

    [Fact]
    public void Metrics_path_and_scheme_are_labelled_only_when_they_differ_from_metrics_over_http()
    {
        var registration = Registered(exporters:
        [
            Exporter(port: 9100),
            Exporter(port: 9101, path: "/probe"),
            Exporter(port: 9102, scheme: "https"),
        ]);

        var json = Render("pretix", registration);

        Assert.Equal("""
            [
              {
                "targets": [
                  "10.0.0.5:9100"
                ],
                "labels": {
                  "instance_id": "pretix_web.1",
                  "service": "pretix_web",
                  "slot": "1"
                }
              },
              {
                "targets": [
                  "10.0.0.5:9101"
                ],
                "labels": {
                  "__metrics_path__": "/probe",
                  "instance_id": "pretix_web.1",
                  "service": "pretix_web",
                  "slot": "1"
                }
              },
              {
                "targets": [
                  "10.0.0.5:9102"
                ],
                "labels": {
                  "__scheme__": "https",
                  "instance_id": "pretix_web.1",
                  "service": "pretix_web",
                  "slot": "1"
                }
              }
            ]

            """, json);
    }

    [Theory]
    [InlineData("2001:db8::5", "[2001:db8::5]:9100")]
    [InlineData("::1", "[::1]:9100")]
    [InlineData("10.0.0.5", "10.0.0.5:9100")]
    [InlineData("tasks.pretix_web", "tasks.pretix_web:9100")]
    public void The_target_is_address_colon_port_with_an_ipv6_address_bracketed(string address, string target)
    {
        Assert.Equal(target, FileSd.Target(address, 9100));
        Assert.Contains($"\"{target}\"", Render("pretix", Registered(address: address)), StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_are_ordered_by_instance_id_then_port_whatever_the_input_order()
    {
        var b = Registered(slot: 2, address: "10.0.0.2", exporters: [Exporter(port: 9200), Exporter(port: 9100)]);
        var a = Registered(slot: 1, address: "10.0.0.1", exporters: [Exporter(port: 9300)]);
        var c = Registered(service: "pretix_worker", slot: 1, address: "10.0.0.3");

        var forwards = FileSd.Render("pretix", [Entry(a), Entry(b), Entry(c)]);
        var backwards = FileSd.Render("pretix", [Entry(c), Entry(b), Entry(a)]);

        Assert.Equal(forwards, backwards);
        var text = Encoding.UTF8.GetString(forwards);
        string[] targets = ["10.0.0.1:9300", "10.0.0.2:9100", "10.0.0.2:9200", "10.0.0.3:9100"];
        var order = targets.Select(t => text.IndexOf(t, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public void A_job_without_instances_renders_an_empty_list()
    {
        Assert.Equal("[]\n"u8.ToArray(), FileSd.Render("pretix", []));
    }

    [Fact]
    public void A_job_none_of_the_instances_serve_renders_an_empty_list()
    {
        Assert.Equal("[]\n", Render("node", Registered()));
    }

    [Fact]
    public void Only_the_exporters_of_the_requested_job_are_included()
    {
        var registration = Registered(exporters: [Exporter("pretix", 9100), Exporter("node", 9101), Exporter("pretix_probe", 9102)]);

        var json = Render("node", registration);

        Assert.Equal("""
            [
              {
                "targets": [
                  "10.0.0.5:9101"
                ],
                "labels": {
                  "instance_id": "pretix_web.1",
                  "service": "pretix_web",
                  "slot": "1"
                }
              }
            ]

            """, json);
    }

    [Fact]
    public void The_same_registry_renders_the_same_bytes()
    {
        var registration = Registered(labels: new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["c"] = "3" });

        Assert.Equal(FileSd.Render("pretix", [Entry(registration)]), FileSd.Render("pretix", [Entry(registration)]));
        Assert.Equal(["a", "b", "c", "instance_id", "service", "slot"], FileSd.Labels(registration, registration.Exporters[0]).Keys);
    }

    private static string Render(string job, params InstanceRegistered[] registrations) =>
        Encoding.UTF8.GetString(FileSd.Render(job, [.. registrations.Select(Entry)]));
}
