using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter.Files;

/// <summary>
/// Prometheus file_sd / http_sd rendering: one target group per instance and exporter of a job, with the
/// instance's identity as labels. The output is deterministic (sorted), so the same registry renders the
/// same bytes and an unchanged file is never rewritten.
/// </summary>
public static class FileSd
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static byte[] Render(string job, IEnumerable<RegisteredInstance> instances) => Render(job, instances, out _);

    /// <summary>A job's target groups, with how many there are (one target each).</summary>
    public static byte[] Render(string job, IEnumerable<RegisteredInstance> instances, out int targets)
    {
        ArgumentNullException.ThrowIfNull(instances);
        targets = 0;
        var groups = instances
            .SelectMany(i => i.Registration.Exporters.Where(e => e.Job == job).Select(e => (i.Registration, Exporter: e)))
            .OrderBy(g => g.Registration.InstanceId, StringComparer.Ordinal)
            .ThenBy(g => g.Exporter.Port);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Indented))
        {
            json.WriteStartArray();
            foreach (var (registration, exporter) in groups)
            {
                json.WriteStartObject();
                json.WriteStartArray("targets");
                json.WriteStringValue(Target(registration.Address, exporter.Port));
                json.WriteEndArray();
                json.WriteStartObject("labels");
                foreach (var (name, value) in Labels(registration, exporter))
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
                json.WriteEndObject();
                targets++;
            }

            json.WriteEndArray();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>The labels of one target group, sorted. PretixOps' own labels win over the instance's and exporter's.</summary>
    public static SortedDictionary<string, string> Labels(InstanceRegistered registration, ExporterEndpoint exporter)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(exporter);
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in registration.Labels.Concat(exporter.Labels))
        {
            labels[name] = value;
        }

        labels["service"] = registration.Service;
        labels["instance_id"] = registration.InstanceId;
        if (registration.Slot is { } slot)
        {
            labels["slot"] = slot.ToString(CultureInfo.InvariantCulture);
        }

        if (registration.Node is { } node)
        {
            labels["node"] = node;
        }

        if (registration.TaskId is { } task)
        {
            labels["task"] = task;
        }

        if (exporter.Path != "/metrics")
        {
            labels["__metrics_path__"] = exporter.Path;
        }

        if (exporter.Scheme != "http")
        {
            labels["__scheme__"] = exporter.Scheme;
        }

        return labels;
    }

    /// <summary>host:port, with an IPv6 address in one pair of brackets (also for entries saved with brackets already).</summary>
    public static string Target(string address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bare = address.StartsWith('[') && address.EndsWith(']') ? address[1..^1] : address;
        return IPAddress.TryParse(bare, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{bare}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{address}:{port}");
    }
}
