using PretixOps.Contracts;

namespace PretixOps.DiscoveryWriter.Tests;

/// <summary>Registrations as Registration publishes them, with only what a test cares about to say.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static InstanceRegistered Registered(
        string service = "pretix_web",
        int? slot = 1,
        string? taskId = null,
        string? node = null,
        string address = "10.0.0.5",
        IReadOnlyList<ExporterEndpoint>? exporters = null,
        IReadOnlyDictionary<string, string>? labels = null,
        int ttlSeconds = 90,
        DateTimeOffset? at = null) =>
        new(
            slot is { } s ? $"{service}.{s}" : taskId!,
            service,
            slot,
            taskId,
            node,
            address,
            exporters ?? [Exporter()],
            labels ?? new Dictionary<string, string>(),
            ttlSeconds,
            at ?? T0);

    public static ExporterEndpoint Exporter(
        string job = "pretix", int port = 9100, string path = "/metrics", string scheme = "http",
        IReadOnlyDictionary<string, string>? labels = null) =>
        new(job, port, path, scheme, labels ?? new Dictionary<string, string>());

    public static InstanceDeregistered Deregistered(
        string instanceId, DateTimeOffset at, DeregistrationReason reason = DeregistrationReason.Explicit) =>
        new(instanceId, instanceId.Split('.')[0], reason, at);

    public static RegisteredInstance Entry(InstanceRegistered registration) =>
        new(registration, registration.TtlSeconds == 0 ? null : registration.RegisteredAt.AddSeconds(registration.TtlSeconds));

    /// <summary>The number of target groups in a file_sd text; -1 when there is no file.</summary>
    public static int Groups(string? json)
    {
        if (json is null)
        {
            return -1;
        }

        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetArrayLength();
    }
}
