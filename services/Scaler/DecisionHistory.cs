using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using PretixOps.Contracts;

namespace PretixOps.Scaler;

/// <summary>
/// The decision record: an append-only journal (<c>StateDirectory/decisions.jsonl</c>), each line flushed
/// to disk before the decision is announced. It is the source of truth for idempotency (which triggers
/// were decided), cooldowns and stabilization after a restart or <c>kill -9</c>, and what
/// <c>GET /v1/decisions</c> serves.
/// </summary>
public sealed class DecisionHistory : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Lock _gate = new();
    private readonly List<ScaleDecisionRecorded> _decisions = [];
    private readonly HashSet<Guid> _known = [];
    private readonly HashSet<string> _decided = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Intent> _intents = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, Direction), DateTimeOffset> _applied = [];
    private readonly Dictionary<string, DateTimeOffset> _upReasons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Deferred> _deferred = new(StringComparer.Ordinal);
    private readonly FileStream? _journal;

    public DecisionHistory(IOptions<ScalerOptions> options)
        : this(Path.Combine((options ?? throw new ArgumentNullException(nameof(options))).Value.StateDirectory, "decisions.jsonl"))
    {
    }

    public DecisionHistory(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
            {
                Entry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<Entry>(line, Json);
                }
                catch (JsonException)
                {
                    // A line cut short by a crash mid-append: everything before it is intact.
                    continue;
                }

                if (entry is not null)
                {
                    Apply(entry);
                }
            }
        }

        _journal = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (_journal.Length > 0 && LastByte(path) != (byte)'\n')
        {
            // A line torn by a crash mid-append: end it, so the next entry starts a line of its own.
            _journal.WriteByte((byte)'\n');
            _journal.Flush(flushToDisk: true);
        }
    }

    /// <summary>A decision about to be applied to Docker: after a crash, the retry finds it and does not apply a second step.</summary>
    public sealed record Intent(string Key, string Service, int From, int To);

    /// <summary>A scale-down waiting for the stabilization window or the cooldown to pass.</summary>
    public sealed record Deferred(string Key, string Trigger, string Service, DateTimeOffset Until);

    private sealed record Entry(
        string Kind,
        string Service,
        string? Key = null,
        ScaleDecisionRecorded? Decision = null,
        Direction? Direction = null,
        Intent? Intent = null,
        Deferred? Deferred = null,
        DateTimeOffset? At = null);

    public bool IsDecided(string key)
    {
        lock (_gate)
        {
            return _decided.Contains(key);
        }
    }

    public Intent? PendingIntent(string key)
    {
        lock (_gate)
        {
            return _intents.GetValueOrDefault(key);
        }
    }

    public DateTimeOffset? LastApplied(string service, Direction direction)
    {
        lock (_gate)
        {
            return _applied.TryGetValue((service, direction), out var at) ? at : null;
        }
    }

    public DateTimeOffset? LastUpReason(string service)
    {
        lock (_gate)
        {
            return _upReasons.TryGetValue(service, out var at) ? at : null;
        }
    }

    public IReadOnlyList<Deferred> DueDeferrals(DateTimeOffset now)
    {
        lock (_gate)
        {
            return [.. _deferred.Values.Where(d => d.Until <= now)];
        }
    }

    /// <summary>Newest first, optionally narrowed.</summary>
    public IReadOnlyList<ScaleDecisionRecorded> Query(string? service, DateTimeOffset? since, ScaleOutcome? outcome)
    {
        lock (_gate)
        {
            return [.. _decisions
                .Where(d => service is null || d.Service == service)
                .Where(d => since is null || d.At >= since)
                .Where(d => outcome is null || d.Outcome == outcome)
                .Reverse()];
        }
    }

    public void NoteUpReason(string service, DateTimeOffset at) => Append(new Entry("upReason", service, At: at));

    public void Intend(Intent intent) => Append(new Entry("intent", intent.Service, intent.Key, Intent: intent));

    public void Defer(Deferred deferred) => Append(new Entry("deferred", deferred.Service, deferred.Key, Deferred: deferred));

    /// <summary>Records a decision. Failed ones do not count as decided: a replay applies the trigger then.</summary>
    public void Record(string key, ScaleDecisionRecorded decision, Direction? direction) =>
        Append(new Entry("decision", decision.Service, key, decision, direction));

    /// <summary>
    /// Takes in a decision another replica made (from its <see cref="ScaleDecisionRecorded"/>), so that a
    /// standby which becomes the active consumer knows what was decided and when: duplicates stay
    /// duplicates and cooldowns hold across a failover. Returns false for a decision already known.
    /// </summary>
    public bool Import(ScaleDecisionRecorded decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        lock (_gate)
        {
            if (_known.Contains(decision.DecisionId))
            {
                return false;
            }
        }

        var direction = decision.Outcome == ScaleOutcome.Applied && decision.To != decision.From
            ? (Direction?)(decision.To > decision.From ? Direction.Up : Direction.Down)
            : null;
        Append(new Entry("decision", decision.Service, decision.TriggerKey, decision, direction));
        return true;
    }

    public void Dispose() => _journal?.Dispose();

    private static byte LastByte(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(-1, SeekOrigin.End);
        return (byte)file.ReadByte();
    }

    private void Append(Entry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, Json);
        lock (_gate)
        {
            _journal!.Write(line);
            _journal.WriteByte((byte)'\n');
            _journal.Flush(flushToDisk: true);
            Apply(entry);
        }
    }

    private void Apply(Entry entry)
    {
        switch (entry.Kind)
        {
            case "upReason" when entry.At is { } at:
                _upReasons[entry.Service] = at;
                break;
            case "intent" when entry.Intent is { } intent:
                _intents[intent.Key] = intent;
                break;
            case "deferred" when entry.Deferred is { } deferred:
                _deferred[entry.Service] = deferred;
                break;
            case "decision" when entry.Decision is { } decision:
                if (!_known.Add(decision.DecisionId))
                {
                    break;
                }

                _decisions.Add(decision);
                _intents.Remove(entry.Key ?? "");
                if (decision.Outcome != ScaleOutcome.Failed && entry.Key is not null)
                {
                    _decided.Add(entry.Key);
                }

                if (decision.Outcome == ScaleOutcome.Applied && entry.Direction is { } direction)
                {
                    _applied[(decision.Service, direction)] = decision.At;
                }

                if (_deferred.TryGetValue(decision.Service, out var pending) && pending.Key == entry.Key)
                {
                    _deferred.Remove(decision.Service);
                }

                break;
        }
    }
}
