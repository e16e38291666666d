using System.Text;
using System.Text.Json.Nodes;
using PretixOps.Contracts;

namespace PretixOps.Fuzz.Tests;

/// <summary>Malformed, incomplete, overfull and mistyped messages of every contract, for each queue that takes them.</summary>
internal static class BusCases
{
    /// <summary>A message type, a well-formed body, and a field whose wrong type makes it unreadable.</summary>
    internal sealed record Contract(string Type, string Seed, string TypedField, string? RequiredField);

    private static readonly Contract Registered = new(nameof(InstanceRegistered), """
        {"instanceId":"fuzzbus.1","service":"fuzzbus","slot":1,"node":"fuzz-node","address":"127.0.0.1",
         "exporters":[{"job":"fuzzbus","port":9100,"path":"/metrics","scheme":"http","labels":{}}],"labels":{},"ttlSeconds":30,
         "registeredAt":"2026-01-01T00:00:00Z"}
        """, "registeredAt", "instanceId");

    private static readonly Contract Deregistered = new(nameof(InstanceDeregistered),
        """{"instanceId":"fuzzbus.1","service":"fuzzbus","reason":"Expired","at":"2026-01-01T00:00:00Z"}""", "at", "instanceId");

    private static readonly Contract Register = new(nameof(RegisterInstance),
        """{"service":"fuzzbus","slot":1,"address":"127.0.0.1","exporters":[{"job":"fuzzbus","port":9100}],"ttlSeconds":30}""", "slot", "service");

    private static readonly Contract List = new(nameof(ListInstances), """{"service":"fuzzbus","job":null}""", "service", null);

    private static readonly Contract Fired = new(nameof(AlertFired), """
        {"alertId":"fuzz:1","source":"Alertmanager","name":"FuzzBus","fingerprint":"0123","labels":{},"annotations":{},
         "startsAt":"2026-01-01T00:00:00Z","endsAt":null,"value":null,"receivedAt":"2026-01-01T00:00:00Z"}
        """, "startsAt", null);

    private static readonly Contract Resolved = Fired with { Type = nameof(AlertResolved) };

    private static readonly Contract Scale = new(nameof(ScaleService),
        """{"service":"fuzz_web","replicas":3,"delta":null,"reason":"fuzz","requestedBy":"fuzz"}""", "replicas", "service");

    /// <summary>Queue name, whether it takes raw JSON (no envelope), and the contracts it consumes.</summary>
    public static IReadOnlyList<(string Queue, bool Raw, Contract[] Contracts)> Queues(string discoveryWriter, string snmpPoller) =>
    [
        ("instance-registrations", true, [Register]),
        (discoveryWriter, false, [Registered, Deregistered]),
        ("discovery-writer-queries", false, [List]),
        (snmpPoller, false, [Registered, Deregistered]),
        (QueueNames.Scaler, false, [Fired, Resolved, Scale]),
    ];

    private static readonly string[] Kinds = ["truncated", "binary", "wrong-type", "missing-field", "deep-nesting", "extra-field", "wrong-message-type"];

    public static BusCase Next(Random random, (string Queue, bool Raw, Contract[] Contracts) target)
    {
        var contract = target.Contracts[random.Next(target.Contracts.Length)];
        var kind = Kinds[random.Next(Kinds.Length)];
        if (kind == "missing-field" && contract.RequiredField is null)
        {
            kind = "wrong-type";
        }
        if (kind == "wrong-message-type" && target.Raw)
        {
            // A raw queue reads any JSON as its one type: another type's body is an incomplete one of its own.
            contract = Fired with { Type = nameof(RegisterInstance) };
            kind = "foreign-body";
        }
        var id = Guid.NewGuid().ToString();
        var message = JsonNode.Parse(contract.Seed)!.AsObject();
        string? expected = "_error";
        var type = contract.Type;
        switch (kind)
        {
            case "wrong-type":
                message[contract.TypedField] = new JsonArray(1, 2);
                break;
            case "missing-field":
                message.Remove(contract.RequiredField!);
                break;
            case "deep-nesting":
                JsonNode deep = new JsonArray();
                for (var i = 0; i < 200; i++)
                {
                    deep = new JsonArray(deep);
                }
                message["labels"] = deep;
                break;
            case "extra-field":
                message[$"extra{random.Next(100)}"] = "x";
                message["nested"] = new JsonObject { ["a"] = new JsonArray(1, "b") };
                expected = null;
                break;
            case "wrong-message-type":
                type = random.Next(2) == 0 ? "NoSuchMessage" : nameof(TargetsWritten);
                expected = "_skipped";
                break;
        }
        var inner = message.ToJsonString();
        var text = target.Raw
            ? inner
            : $$"""{"messageId":"{{id}}","messageType":["urn:message:PretixOps.Contracts:{{type}}"],"message":{{inner}},"sentTime":"2026-01-01T00:00:00Z"}""";
        var body = kind switch
        {
            "truncated" => Encoding.UTF8.GetBytes(text[..random.Next(1, text.Length - 1)]),
            "binary" => [0xFF, 0xFE, .. Enumerable.Range(0, random.Next(1, 200)).Select(_ => (byte)random.Next(256))],
            _ => Encoding.UTF8.GetBytes(text),
        };
        return new BusCase(target.Queue, type, kind, id, body, target.Raw ? "application/json" : "application/vnd.masstransit+json", expected);
    }
}
