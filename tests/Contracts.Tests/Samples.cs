namespace PretixOps.Contracts.Tests;

/// <summary>One fully populated instance of every message, with fixed values, for the shape snapshots.</summary>
internal static class Samples
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> AlertLabels = new()
    {
        ["alertname"] = "NginxPretixResponseTime",
        ["service"] = "pretix_web",
        ["scale_action"] = "up",
    };

    private static readonly Dictionary<string, string> AlertAnnotations = new()
    {
        ["summary"] = "Pretix answers in more than 50 s",
    };

    private static readonly InstanceRegistered Registered = new(
        InstanceId: "pretix_web.3",
        Service: "pretix_web",
        Slot: 3,
        TaskId: "k3v0xqz1m2n4p5r6s7t8u9w0",
        Node: "node-1",
        Address: "10.0.1.23",
        Exporters:
        [
            new ExporterEndpoint("pretix", 8000, "/metrics", "http", new Dictionary<string, string> { ["tier"] = "web" }),
            new ExporterEndpoint("nginx", 9913, "/metrics", "http", new Dictionary<string, string>()),
        ],
        Labels: new Dictionary<string, string> { ["env"] = "prod" },
        TtlSeconds: 90,
        RegisteredAt: At);

    public static IReadOnlyList<object> All { get; } =
    [
        Registered,
        new InstanceDeregistered("pretix_web.3", "pretix_web", DeregistrationReason.Expired, At),
        new RegisterInstance(
            Service: "pretix_web",
            Slot: 3,
            TaskId: null,
            Node: "node-1",
            Address: null,
            Exporters: [new RegisterExporter("pretix", 8000, null, null, null)],
            Labels: null,
            TtlSeconds: 90),
        new ListInstances(Service: "pretix_web", Job: null),
        new InstanceList([new RegisteredInstance(Registered, At.AddSeconds(90))]),
        new TargetsWritten("pretix", 3, 42, At),
        new AlertFired(
            AlertId: "alertmanager:5c1e2d3f4a5b6c7d:2026-11-26T09:25:00Z",
            Source: AlertSource.Alertmanager,
            Name: "NginxPretixResponseTime",
            Fingerprint: "5c1e2d3f4a5b6c7d",
            Labels: AlertLabels,
            Annotations: AlertAnnotations,
            StartsAt: At.AddMinutes(-5),
            EndsAt: null,
            Value: 51.5,
            ReceivedAt: At),
        new AlertResolved(
            AlertId: "alertmanager:5c1e2d3f4a5b6c7d:2026-11-26T09:25:00Z",
            Source: AlertSource.Alertmanager,
            Name: "NginxPretixResponseTime",
            Fingerprint: "5c1e2d3f4a5b6c7d",
            Labels: AlertLabels,
            Annotations: AlertAnnotations,
            StartsAt: At.AddMinutes(-5),
            EndsAt: At,
            Value: null,
            ReceivedAt: At),
        new ScaleService("pretix_web", Replicas: null, Delta: 1, "Black Friday sale", "alice"),
        new ScaleDecisionRecorded(
            DecisionId: new Guid("0b6f3a52-6a77-4c55-9d0e-2f4f5b3c8a91"),
            Service: "pretix_web",
            From: 2,
            To: 3,
            Outcome: ScaleOutcome.Applied,
            Reason: "rule web-response-time: step up 1",
            Trigger: "alertmanager:5c1e2d3f4a5b6c7d:2026-11-26T09:25:00Z",
            At: At,
            TriggerKey: "alertmanager:5c1e2d3f4a5b6c7d:2026-11-26T09:25:00Z/fired",
            Inputs: new DecisionInputs(
                Alerts: [new AlertInput("alertmanager:5c1e2d3f4a5b6c7d:2026-11-26T09:25:00Z", "web-response-time", "Up", At.AddMinutes(-5))],
                Metrics: [new MetricInput("requests", 61.5, 10, PerReplica: true, Recommendation: 7, Error: null)],
                Windows: ["friday-sale (min 4)"],
                Min: 4,
                Max: 6,
                Paused: false,
                DryRun: false)),
        new ServiceScaled(new Guid("0b6f3a52-6a77-4c55-9d0e-2f4f5b3c8a91"), "pretix_web", 2, 3, At),
    ];
}
