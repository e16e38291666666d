using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PretixOps.Fuzz.Tests;

/// <summary>What a campaign did and saw, counted; <see cref="ToString"/> is the summary `make fuzz` prints.</summary>
internal sealed class CampaignReport
{
    public ConcurrentDictionary<string, int> CasesByEndpoint { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> CasesByKind { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> BusByQueue { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<string> ServerErrors { get; } = new();

    /// <summary>Requests the server closed without an answer (HttpClient's, not the hand-written ones): not failures, shown for reading.</summary>
    public ConcurrentQueue<string> Unanswered { get; } = new();
    public Dictionary<string, (long Before, long After)> Rss { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> SnmpRequests { get; } = new(StringComparer.Ordinal);
    public int Seed { get; init; }
    public int LegitRegistrations { get; set; }
    public int LegitAlerts { get; set; }
    public int DeadLettersExpected { get; set; }
    public int DeadLettersFound { get; set; }
    public int LogLines { get; set; }
    public TimeSpan Duration { get; set; }

    /// <summary>The hostile cases; the legitimate requests (a registration and an alert every 50th case) come on top.</summary>
    public int Cases => CasesByEndpoint.Values.Sum() + BusByQueue.Values.Sum();

    public int LegitRequests => Statuses.Where(s => s.Key.StartsWith("legit ", StringComparison.Ordinal)).Sum(s => s.Value);

    public void Http(HttpCase request, string status)
    {
        CasesByEndpoint.AddOrUpdate(request.Endpoint, 1, (_, n) => n + 1);
        CasesByKind.AddOrUpdate("http " + request.Kind, 1, (_, n) => n + 1);
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        var body = request.Body is null ? "" : Encoding.UTF8.GetString(request.Body.AsSpan(0, Math.Min(300, request.Body.Length)));
        var described = $"{status} {request.Method} {request.PathAndQuery} ({request.Kind}, {request.ContentType}, {request.Body?.Length ?? 0} bytes): {body}";
        if (status.StartsWith('5') && ServerErrors.Count < 50)
        {
            ServerErrors.Enqueue(described);
        }
        else if (status is "no-answer" or "timeout" && Unanswered.Count < 10)
        {
            Unanswered.Enqueue(described[..Math.Min(described.Length, 200)]);
        }
    }

    public void Bus(BusCase message)
    {
        BusByQueue.AddOrUpdate($"{message.Queue} {message.MessageType}", 1, (_, n) => n + 1);
        CasesByKind.AddOrUpdate("bus " + message.Kind, 1, (_, n) => n + 1);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"# Fuzz campaign: {Cases + LegitRequests:N0} cases ({Cases:N0} hostile, {LegitRequests:N0} legitimate) in {Duration.TotalSeconds:N0} s (seed {Seed})");
        text.AppendLine().AppendLine("| HTTP endpoint | cases |").AppendLine("|---|---:|");
        foreach (var (name, count) in CasesByEndpoint.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {count:N0} |");
        }
        text.AppendLine().AppendLine("| bus queue and message type | cases |").AppendLine("|---|---:|");
        foreach (var (name, count) in BusByQueue.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {count:N0} |");
        }
        text.AppendLine().AppendLine("| HTTP status | answers |").AppendLine("|---|---:|");
        foreach (var (status, count) in Statuses.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {status} | {count:N0} |");
        }
        text.AppendLine().AppendLine("| kind | cases |").AppendLine("|---|---:|");
        foreach (var (kind, count) in CasesByKind.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {count:N0} |");
        }
        text.AppendLine().AppendLine("| service | RSS before | RSS after |").AppendLine("|---|---:|---:|");
        foreach (var (service, (before, after)) in Rss)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {service} | {before / 1048576.0:N0} MiB | {after / 1048576.0:N0} MiB |");
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- answers of 5xx: {Statuses.Where(s => s.Key.StartsWith('5')).Sum(s => s.Value)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- malformed bus messages in their _error (or, for a foreign type, _skipped) queue with a reason: {DeadLettersFound:N0} of {DeadLettersExpected:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- legitimate registrations seen in http_sd: {LegitRegistrations:N0}; legitimate alerts seen as AlertFired: {LegitAlerts:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- requests the hostile SNMP agents received: {string.Join(", ", SnmpRequests.Select(a => $"{a.Key} {a.Value:N0}"))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- log lines searched for secrets: {LogLines:N0}");
        foreach (var unanswered in Unanswered)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- unanswered: {unanswered}");
        }
        foreach (var error in ServerErrors)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- 5xx: {error}");
        }
        return text.ToString();
    }
}
