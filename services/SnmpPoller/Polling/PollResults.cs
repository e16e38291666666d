using System.Collections.Concurrent;
using System.Text;
using PretixOps.ServiceDefaults;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>
/// The last poll of every host, as <c>/metrics</c> serves it. A host that stops answering keeps its entry with
/// <c>snmp_up 0</c>; only leaving the directory removes it.
/// </summary>
public sealed class PollResults : IMetricsSource
{
    private readonly ConcurrentDictionary<string, HostResult> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public void Record(PolledHost host, PollReport report, DateTimeOffset completedAt)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(report);
        var result = _hosts.GetOrAdd(host.Name, _ => new HostResult());
        lock (result)
        {
            if (report.ErrorReason is { } reason)
            {
                result.Errors[reason] = result.Errors.GetValueOrDefault(reason) + 1;
            }
            result.Last = report with
            {
                Host = host.Name,
                ErrorCounts = new Dictionary<string, long>(result.Errors),
                CompletedAt = completedAt,
            };
        }
    }

    public void Forget(string hostName) => _hosts.TryRemove(hostName, out _);

    public PollReport? Last(string hostName) => _hosts.TryGetValue(hostName, out var result) ? result.Last : null;

    public IReadOnlyList<PollReport> All() =>
        _hosts.Values.Select(h => h.Last).OfType<PollReport>().OrderBy(r => r.Host, StringComparer.Ordinal).ToList();

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var text = new StringBuilder();
        MetricsText.Write(text, All());
        await output.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
    }

    private sealed class HostResult
    {
        public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

        public PollReport? Last { get; set; }
    }
}
