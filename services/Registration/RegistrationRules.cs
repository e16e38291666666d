using System.Net;
using System.Text.RegularExpressions;
using PretixOps.Contracts;

namespace PretixOps.Registration;

/// <summary>
/// What a registration must look like, checked the same way whether it came over HTTP or AMQP, and how a
/// valid one becomes an <see cref="InstanceRegistered"/>.
/// </summary>
public static partial class RegistrationRules
{
    public const int MaxTtlSeconds = 86_400;
    public const int MaxExporters = 16;
    public const int MaxLabels = 32;
    public const int MaxLabelValueLength = 1024;

    // Service and job names become file names and label values: no path separator, no leading dot.
    private static readonly HashSet<string> ReservedLabels =
        ["service", "slot", "node", "task", "instance_id", "job", "instance"];

    public sealed record Result(InstanceRegistered? Registration, Dictionary<string, string[]> Errors)
    {
        public bool IsValid => Registration is not null;
    }

    /// <summary>
    /// The instance id: <c>service.slot</c> when a slot is given (so the task that replaces a failed one in
    /// the same slot takes over its entry), else the task id.
    /// </summary>
    public static string InstanceId(string service, int? slot, string? taskId) =>
        slot is { } s ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{service}.{s}") : taskId!;

    public static bool IsName(string? value) => ServiceDefaults.Names.IsValid(value);

    /// <summary>Validates <paramref name="request"/>; <paramref name="caller"/> is the address used when the body gives none.</summary>
    public static Result Validate(RegisterInstance request, IPAddress? caller, int defaultTtlSeconds, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string problem)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(problem);
        }

        if (string.IsNullOrEmpty(request.Service))
        {
            Error("service", "is required.");
        }
        else if (!IsName(request.Service))
        {
            Error("service", ServiceDefaults.Names.Rule);
        }

        if (request.Slot is < 0 or > 1_000_000)
        {
            Error("slot", "must be between 0 and 1000000.");
        }

        if (request.TaskId is not null && !IsName(request.TaskId))
        {
            Error("taskId", ServiceDefaults.Names.Rule);
        }

        if (request.Slot is null && string.IsNullOrEmpty(request.TaskId))
        {
            Error("slot", "slot or taskId is required: the instance id is <service>.<slot>, else the task id.");
        }

        if (request.Node is not null && !IsHostName(request.Node))
        {
            Error("node", "must be a host name.");
        }

        var address = request.Address;
        if (address is not null)
        {
            if (NormalAddress(address) is { } normal)
            {
                address = normal;
            }
            else
            {
                Error("address", "must be an IPv4 address in dotted-quad form, an IPv6 address, or a host name.");
            }
        }
        else if (caller is null)
        {
            Error("address", "is required.");
        }
        else
        {
            address = ServiceDefaults.Networks.Normalize(caller).ToString();
        }

        if (request.TtlSeconds is < 0 or > MaxTtlSeconds)
        {
            Error("ttlSeconds", $"must be between 0 (never expires) and {MaxTtlSeconds}.");
        }

        CheckLabels("labels", request.Labels, Error);

        var exporters = request.Exporters ?? [];
        if (exporters.Count > MaxExporters)
        {
            Error("exporters", $"must list at most {MaxExporters} exporters.");
        }

        var seen = new HashSet<(string?, int?)>();
        for (var i = 0; i < Math.Min(exporters.Count, MaxExporters); i++)
        {
            var field = $"exporters[{i}]";
            var exporter = exporters[i];
            if (exporter is null)
            {
                Error(field, "must be an object.");
                continue;
            }

            if (string.IsNullOrEmpty(exporter.Job))
            {
                Error($"{field}.job", "is required.");
            }
            else if (!IsName(exporter.Job))
            {
                Error($"{field}.job", ServiceDefaults.Names.Rule);
            }

            if (exporter.Port is null)
            {
                Error($"{field}.port", "is required.");
            }
            else if (exporter.Port is < 1 or > 65535)
            {
                Error($"{field}.port", "must be between 1 and 65535.");
            }

            if (exporter.Path is not null && !PathPattern().IsMatch(exporter.Path))
            {
                Error($"{field}.path", "must start with / and hold at most 256 printable characters without spaces.");
            }

            if (exporter.Scheme is not null and not ("http" or "https"))
            {
                Error($"{field}.scheme", "must be http or https.");
            }

            CheckLabels($"{field}.labels", exporter.Labels, Error);
            if (!seen.Add((exporter.Job, exporter.Port)))
            {
                Error(field, "repeats the job and port of an earlier exporter.");
            }
        }

        if (errors.Count > 0)
        {
            return new Result(null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        var registration = new InstanceRegistered(
            InstanceId(request.Service!, request.Slot, request.TaskId),
            request.Service!,
            request.Slot,
            request.TaskId,
            request.Node,
            address!,
            [.. exporters.Select(e => new ExporterEndpoint(
                e.Job!, e.Port!.Value, e.Path ?? "/metrics", e.Scheme ?? "http", Copy(e.Labels)))],
            Copy(request.Labels),
            request.TtlSeconds ?? defaultTtlSeconds,
            now ?? DateTimeOffset.UtcNow);
        return new Result(registration, []);
    }

    private static void CheckLabels(string field, IReadOnlyDictionary<string, string>? labels, Action<string, string> error)
    {
        if (labels is null)
        {
            return;
        }

        if (labels.Count > MaxLabels)
        {
            error(field, $"must hold at most {MaxLabels} labels.");
            return;
        }

        foreach (var (name, value) in labels)
        {
            if (!LabelNamePattern().IsMatch(name) || name.StartsWith("__", StringComparison.Ordinal))
            {
                error($"{field}.{name}", "is not a Prometheus label name (^[a-zA-Z_][a-zA-Z0-9_]*$, no leading __).");
            }
            else if (ReservedLabels.Contains(name))
            {
                error($"{field}.{name}", "is set by PretixOps itself.");
            }
            else if (value is null || value.Length > MaxLabelValueLength)
            {
                error($"{field}.{name}", $"must be a string of at most {MaxLabelValueLength} characters.");
            }
        }
    }

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string>? labels) =>
        labels is null ? [] : new Dictionary<string, string>(labels, StringComparer.Ordinal);

    /// <summary>
    /// One spelling per address, or null when it is none. IPv4 only in canonical dotted-quad form: the
    /// shorthand forms .NET also parses ("10.1", "010.0.0.5" in octal, "0x0a.0.0.1") would silently name
    /// another host. IPv6 in any form, with or without one pair of brackets, no zone.
    /// </summary>
    public static string? NormalAddress(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains(':', StringComparison.Ordinal))
        {
            var bare = value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : value;
            return !bare.Contains('%', StringComparison.Ordinal) && !bare.Contains('[', StringComparison.Ordinal)
                   && IPAddress.TryParse(bare, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? ServiceDefaults.Networks.Normalize(ip).ToString()
                : null;
        }

        if (DottedQuadPattern().IsMatch(value))
        {
            return value;
        }

        // A host name whose last label is all digits is a mistyped address, not a name (RFC 1123 2.1).
        return IsHostName(value) && !value.Split('.')[^1].All(char.IsAsciiDigit) ? value : null;
    }

    private static bool IsHostName(string value) => value.Length <= 253 && HostNamePattern().IsMatch(value);

    [GeneratedRegex("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\\z")]
    private static partial Regex DottedQuadPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*\\z")]
    private static partial Regex LabelNamePattern();

    [GeneratedRegex("^/[\\x21-\\x7E]{0,255}\\z")]
    private static partial Regex PathPattern();

    // RFC 1123 labels (letters, digits, hyphens; 1 to 63 characters), dot-separated; underscores as Docker allows.
    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\z")]
    private static partial Regex HostNamePattern();
}
