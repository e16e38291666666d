using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PretixOps.Integration.Tests;

namespace PretixOps.Fuzz.Tests;

/// <summary>Every HTTP endpoint of the five services, with the requests a legitimate caller would send.</summary>
internal static class Endpoints
{
    private static readonly string[] OddSegments =
    [
        "%2e%2e%2f%2e%2e%2fetc", "..%2f..%2f", "%00", "%ff%fe", "a%0d%0aX-Injected:%201", "%F0%9F%92%A9", "%E2%80%AE",
        "pretix_web", "x", new string('a', 300), "%25", "%5B%5D", "..", "a%2Fb", "-1", "99999999999999999999",
    ];

    public static IReadOnlyList<Endpoint> All(FuzzSecrets secrets, IReadOnlyList<string> snmpTargets)
    {
        IReadOnlyList<(string, string)> Bearer(byte[] _) => [("Authorization", $"Bearer {ServiceProcess.Token}")];
        IReadOnlyList<(string, string)> Operator(byte[] _) => [("Authorization", $"Bearer {ServiceProcess.OperatorToken}")];
        var registration = """
            {"service":"fuzz_web","slot":1,"address":"127.0.0.1","node":"fuzz-node","ttlSeconds":30,
             "exporters":[{"job":"fuzzjob","port":9100,"path":"/metrics","labels":{"tier":"fuzz"}}],"labels":{"team":"fuzz"}}
            """;
        return
        [
            new("Registration POST /v1/instances", "Registration", HttpMethod.Post, _ => "/v1/instances", [registration], Bearer),
            new("Registration DELETE /v1/instances/{id}", "Registration", HttpMethod.Delete, r => "/v1/instances/" + Segment(r, "fuzz_web.1"), [], Bearer),
            new("Registration GET /v1/instances", "Registration", HttpMethod.Get, r => "/v1/instances?service=" + Segment(r, "fuzz_web"), [], Bearer),
            new("Registration POST /service", "Registration", HttpMethod.Post, _ => "/service", ["""{"service":"pretix_web.1"}"""], Bearer),
            new("DiscoveryWriter GET /v1/sd/{job}", "DiscoveryWriter", HttpMethod.Get, r => "/v1/sd/" + Segment(r, "fuzzjob"), [], Bearer),
            new("AlertIngest POST /v1/alerts/alertmanager", "AlertIngest", HttpMethod.Post, _ => "/v1/alerts/alertmanager",
                [Fixture("alertmanager-webhook-v4.json")],
                _ => [("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FuzzSecrets.AlertmanagerUser}:{secrets.AlertmanagerPassword}")))]),
            new("AlertIngest POST /v1/alerts/grafana", "AlertIngest", HttpMethod.Post, _ => "/v1/alerts/grafana",
                [Fixture("grafana-unified-webhook-v1.json")],
                body => [("Authorization", $"Bearer {ServiceProcess.Token}"),
                    ("X-Grafana-Alerting-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secrets.HmacSecret), body)))]),
            new("AlertIngest POST /v1/alerts/grafana-legacy", "AlertIngest", HttpMethod.Post, _ => "/v1/alerts/grafana-legacy",
                [Fixture("grafana-legacy-webhook.json")], Bearer),
            new("Scaler GET /v1/decisions", "Scaler", HttpMethod.Get,
                r => $"/v1/decisions?service={Segment(r, "fuzz_web")}&since={Segment(r, "2026-01-01T00:00:00Z")}&outcome={Segment(r, "Applied")}&limit={Segment(r, "10")}",
                [], Bearer),
            new("Scaler GET /v1/services/{name}", "Scaler", HttpMethod.Get, r => "/v1/services/" + Segment(r, "fuzz_web"), [], Bearer),
            new("Scaler POST /v1/services/{name}/pause", "Scaler", HttpMethod.Post, r => $"/v1/services/{Segment(r, "fuzz_web")}/pause",
                ["""{"reason":"fuzz","until":"2030-01-01T00:00:00Z"}"""], Operator),
            new("Scaler POST /v1/services/{name}/resume", "Scaler", HttpMethod.Post, r => $"/v1/services/{Segment(r, "fuzz_web")}/resume",
                ["""{"reason":"fuzz"}"""], Operator),
            new("Scaler POST /v1/services/{name}/dry-run", "Scaler", HttpMethod.Post, r => $"/v1/services/{Segment(r, "fuzz_web")}/dry-run",
                ["""{"enabled":true,"reason":"fuzz"}"""], Operator),
            new("Scaler POST /v1/services/{name}/scale", "Scaler", HttpMethod.Post, r => $"/v1/services/{Segment(r, "fuzz_web")}/scale",
                ["""{"replicas":3,"reason":"fuzz"}""", """{"delta":-1,"reason":"fuzz"}"""], Operator),
            new("SnmpPoller GET /snmp", "SnmpPoller", HttpMethod.Get,
                r => $"/snmp?target={(r.Next(3) == 0 ? Segment(r, "127.0.0.1") : snmpTargets[r.Next(snmpTargets.Count)])}&module={Segment(r, "host")}"
                    + (r.Next(4) == 0 ? "&auth=" + Segment(r, "public_v2") : ""),
                [], Bearer),
        ];
    }

    /// <summary>Mostly the well-formed value; now and then a hostile one in its place.</summary>
    private static string Segment(Random random, string good) =>
        random.Next(3) == 0 ? OddSegments[random.Next(OddSegments.Length)] : Uri.EscapeDataString(good);

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
