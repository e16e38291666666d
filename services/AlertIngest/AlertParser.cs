using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PretixOps.Contracts;

namespace PretixOps.AlertIngest;

/// <summary>
/// Turns each alert of a webhook into one <see cref="AlertFired"/> or <see cref="AlertResolved"/>, or says
/// which fields are missing or wrong. The AlertId is stable per episode (source, fingerprint, startsAt), so
/// the same firing alert re-sent every repeat_interval carries the same id.
/// </summary>
public static partial class AlertParser
{
    /// <summary>Errors listed in one answer at most: a hostile payload must not make a huge response.</summary>
    public const int MaxErrorsListed = 20;

    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StartsAtSkew = TimeSpan.FromDays(1);
    private static readonly TimeSpan EndsAtHorizon = TimeSpan.FromDays(7);

    public sealed record Result(IReadOnlyList<object> Events, Dictionary<string, string[]> Errors)
    {
        public bool IsValid => Errors.Count == 0;
    }

    public static string SourceKey(AlertSource source) => source switch
    {
        AlertSource.Alertmanager => "alertmanager",
        AlertSource.Grafana => "grafana",
        _ => "grafana-legacy",
    };

    public static string AlertId(AlertSource source, string fingerprint, DateTimeOffset startsAt) =>
        $"{SourceKey(source)}:{fingerprint}:{startsAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>Alertmanager (version "4") and Grafana unified alerting (version "1") share one shape.</summary>
    public static Result ParseAlertmanager(AlertmanagerPayload payload, AlertSource source, DateTimeOffset now, int maxAlerts)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var errors = new Errors();
        var expectedVersion = source == AlertSource.Grafana ? "1" : "4";
        if (payload.Version is null)
        {
            errors.Add("version", "is required.");
        }
        else if (payload.Version != expectedVersion)
        {
            errors.Add("version", $"must be \"{expectedVersion}\".");
        }

        if (payload.Status is not ("firing" or "resolved"))
        {
            errors.Add("status", payload.Status is null ? "is required." : "must be firing or resolved.");
        }

        if (payload.Alerts is null)
        {
            errors.Add("alerts", "is required.");
            return errors.Result();
        }

        if (payload.Alerts.Count > maxAlerts)
        {
            errors.Add("alerts", $"must hold at most {maxAlerts} alerts.");
            return errors.Result();
        }

        var events = new List<object>(payload.Alerts.Count);
        for (var i = 0; i < payload.Alerts.Count && !errors.Full; i++)
        {
            var field = $"alerts[{i}]";
            var alert = payload.Alerts[i];
            if (alert is null)
            {
                errors.Add(field, "must be an object.");
                continue;
            }

            var before = errors.Count;
            var firing = alert.Status == "firing";
            if (alert.Status is not ("firing" or "resolved"))
            {
                errors.Add($"{field}.status", alert.Status is null ? "is required." : "must be firing or resolved.");
            }

            var name = alert.Labels?.GetValueOrDefault("alertname");
            if (alert.Labels is null)
            {
                errors.Add($"{field}.labels", "is required.");
            }
            else if (string.IsNullOrEmpty(name))
            {
                errors.Add($"{field}.labels.alertname", "is required.");
            }

            if (alert.Fingerprint is null)
            {
                errors.Add($"{field}.fingerprint", "is required.");
            }
            else if (!FingerprintPattern().IsMatch(alert.Fingerprint))
            {
                errors.Add($"{field}.fingerprint", "must be 1 to 128 letters, digits or _.:-.");
            }

            CheckTimes(field, alert.StartsAt, alert.EndsAt, now, errors);
            if (errors.Count > before)
            {
                continue;
            }

            var startsAt = alert.StartsAt!.Value;
            var labels = Copy(alert.Labels);
            var annotations = Copy(alert.Annotations);
            var id = AlertId(source, alert.Fingerprint!, startsAt);
            var endsAt = EndsAt(alert.EndsAt);
            var value = FirstNumber(alert.Values);
            events.Add(firing
                ? new AlertFired(id, source, name!, alert.Fingerprint!, labels, annotations, startsAt, endsAt, value, now)
                : new AlertResolved(id, source, name!, alert.Fingerprint!, labels, annotations, startsAt, endsAt, value, now));
        }

        return errors.Count > 0 ? errors.Result() : new Result(events, []);
    }

    /// <summary>
    /// The report's format. It carries no fingerprint and no start time: the fingerprint is derived from the
    /// rule id and tags, and the episode starts when this service first saw the rule alerting.
    /// </summary>
    public static Result ParseLegacy(LegacyPayload payload, DateTimeOffset now, LegacyEpisodes episodes)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(episodes);
        var errors = new Errors();
        if (string.IsNullOrEmpty(payload.RuleName))
        {
            errors.Add("ruleName", "is required.");
        }

        if (payload.RuleId is null)
        {
            errors.Add("ruleId", "is required.");
        }

        if (payload.State is not ("alerting" or "ok" or "no_data" or "paused" or "pending"))
        {
            errors.Add("state", payload.State is null ? "is required." : "must be alerting, ok, no_data, paused or pending.");
        }

        if (errors.Count > 0)
        {
            return errors.Result();
        }

        if (payload.State is not ("alerting" or "ok"))
        {
            // Recorded (logged and counted by the endpoint) and published as nothing.
            return new Result([], []);
        }

        var fingerprint = LegacyFingerprint(payload.RuleId!.Value, payload.Tags);
        var labels = Copy(payload.Tags);
        labels["alertname"] = payload.RuleName!;
        labels["grafana_rule_id"] = payload.RuleId.Value.ToString(CultureInfo.InvariantCulture);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        AddIfSet(annotations, "title", payload.Title);
        AddIfSet(annotations, "message", payload.Message);
        AddIfSet(annotations, "rule_url", payload.RuleUrl);
        // As for Grafana's values map: a number that is not finite (1e400 reads as infinity) is no value; the bus
        // could not carry it (the fuzz campaign found it a 500).
        var value = payload.EvalMatches?.FirstOrDefault(m => m?.Value is { } number && double.IsFinite(number))?.Value;
        var startsAt = episodes.StartOf(fingerprint, now);
        var id = AlertId(AlertSource.GrafanaLegacy, fingerprint, startsAt);
        object message = payload.State == "alerting"
            ? new AlertFired(id, AlertSource.GrafanaLegacy, payload.RuleName!, fingerprint, labels, annotations, startsAt, null, value, now)
            : new AlertResolved(id, AlertSource.GrafanaLegacy, payload.RuleName!, fingerprint, labels, annotations, startsAt, now, value, now);
        return new Result([message], []);
    }

    /// <summary>The first 16 hex digits of SHA-256 over the rule id and the sorted tags.</summary>
    public static string LegacyFingerprint(long ruleId, IReadOnlyDictionary<string, string>? tags)
    {
        var text = new StringBuilder(ruleId.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in (tags ?? new Dictionary<string, string>()).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append('=').Append(value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static void CheckTimes(string field, DateTimeOffset? startsAt, DateTimeOffset? endsAt, DateTimeOffset now, Errors errors)
    {
        if (startsAt is null)
        {
            errors.Add($"{field}.startsAt", "is required.");
        }
        else if (startsAt < Earliest || startsAt > now + StartsAtSkew)
        {
            errors.Add($"{field}.startsAt", "must lie between 2000-01-01 and one day from now.");
        }

        if (EndsAt(endsAt) is { } end && (end < Earliest || end > now + EndsAtHorizon))
        {
            errors.Add($"{field}.endsAt", "must be the zero time or lie between 2000-01-01 and seven days from now.");
        }
    }

    /// <summary>Alertmanager sends 0001-01-01T00:00:00Z for "no end yet".</summary>
    private static DateTimeOffset? EndsAt(DateTimeOffset? endsAt) => endsAt is { Year: > 1 } end ? end : null;

    /// <summary>Grafana's values map (A = the query, C = the condition, …): the first number, in the order sent.</summary>
    private static double? FirstNumber(IReadOnlyDictionary<string, JsonElement>? values) =>
        values?.Values
            .Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var number) && double.IsFinite(number) ? number : (double?)null)
            .FirstOrDefault(v => v is not null);

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string>? values) =>
        values is null ? new(StringComparer.Ordinal) : new(values.Where(v => v.Value is not null), StringComparer.Ordinal);

    private static void AddIfSet(Dictionary<string, string> values, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values[key] = value;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}\\z")]
    private static partial Regex FingerprintPattern();

    private sealed class Errors
    {
        private readonly Dictionary<string, string[]> _errors = [];

        public int Count => _errors.Count;
        public bool Full => _errors.Count >= MaxErrorsListed;

        public void Add(string field, string problem)
        {
            if (!Full)
            {
                _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, problem] : [problem];
            }
        }

        public Result Result() => new([], _errors);
    }
}
