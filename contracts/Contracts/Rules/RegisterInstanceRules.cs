using System.Net;
using System.Text.RegularExpressions;

namespace PretixOps.Contracts.Rules;

/// <summary>
/// What a <see cref="RegisterInstance"/> must look like, whichever door it came through (HTTP or AMQP), and how a
/// valid one becomes an <see cref="InstanceRegistered"/>. <see cref="InstanceRegisteredRules"/> holds every
/// consumer of that message to these same rules.
/// </summary>
public static partial class RegisterInstanceRules
{
    public const int MaxTtlSeconds = 86_400;
    public const int MaxSlot = 1_000_000;
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

    /// <summary>
    /// Validates <paramref name="request"/> and makes its <see cref="InstanceRegistered"/>; <paramref name="caller"/> is
    /// the address used when the body gives none.
    /// </summary>
    public static Result Validate(RegisterInstance request, IPAddress? caller, int defaultTtlSeconds, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var violations = new Violations();
        var address = Check(request, caller is null ? null : Normal(caller).ToString(), violations);
        if (violations.IsEmpty && !NameRule.IsValid(InstanceId(request.Service!, request.Slot, request.TaskId)))
        {
            // Every consumer holds the instance id to the name rule: the producer must not make a longer one.
            violations.Add("service", $"with the slot, must make an instance id (<service>.<slot>) of at most {NameRule.MaxLength} characters.");
        }

        if (!violations.IsEmpty)
        {
            return new Result(null, violations.ByField());
        }

        var exporters = request.Exporters ?? [];
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

    /// <summary>
    /// Checks every field a request carries, adding what is wrong to <paramref name="violations"/>; returns the
    /// address to publish (the body's in its normal form, else <paramref name="callerAddress"/>), null when there is none.
    /// </summary>
    internal static string? Check(RegisterInstance request, string? callerAddress, Violations violations)
    {
        var error = violations.Add;
        if (string.IsNullOrEmpty(request.Service))
        {
            error("service", "is required.");
        }
        else if (!NameRule.IsValid(request.Service))
        {
            error("service", NameRule.Text);
        }

        if (request.Slot is < 0 or > MaxSlot)
        {
            error("slot", $"must be between 0 and {MaxSlot}.");
        }

        if (request.TaskId is not null && !NameRule.IsValid(request.TaskId))
        {
            error("taskId", NameRule.Text);
        }

        if (request.Slot is null && string.IsNullOrEmpty(request.TaskId))
        {
            error("slot", "slot or taskId is required: the instance id is <service>.<slot>, else the task id.");
        }

        if (request.Node is not null && !IsHostName(request.Node))
        {
            error("node", "must be a host name.");
        }

        var address = request.Address;
        if (address is not null)
        {
            address = NormalAddress(address);
            if (address is null)
            {
                error("address", "must be an IPv4 address in dotted-quad form, an IPv6 address, or a host name.");
            }
        }
        else if (callerAddress is null)
        {
            error("address", "is required.");
        }
        else
        {
            address = callerAddress;
        }

        if (request.TtlSeconds is < 0 or > MaxTtlSeconds)
        {
            error("ttlSeconds", $"must be between 0 (never expires) and {MaxTtlSeconds}.");
        }

        CheckLabels("labels", request.Labels, error);
        CheckExporters(request.Exporters ?? [], error);
        return address;
    }

    private static void CheckExporters(IReadOnlyList<RegisterExporter> exporters, Action<string, string> error)
    {
        if (exporters.Count > MaxExporters)
        {
            error("exporters", $"must list at most {MaxExporters} exporters.");
        }

        var seen = new HashSet<(string?, int?)>();
        for (var i = 0; i < Math.Min(exporters.Count, MaxExporters); i++)
        {
            var field = $"exporters[{i}]";
            var exporter = exporters[i];
            if (exporter is null)
            {
                error(field, "must be an object.");
                continue;
            }

            if (string.IsNullOrEmpty(exporter.Job))
            {
                error($"{field}.job", "is required.");
            }
            else if (!NameRule.IsValid(exporter.Job))
            {
                error($"{field}.job", NameRule.Text);
            }

            if (exporter.Port is null)
            {
                error($"{field}.port", "is required.");
            }
            else if (exporter.Port is < 1 or > 65535)
            {
                error($"{field}.port", "must be between 1 and 65535.");
            }

            if (exporter.Path is not null && !PathPattern().IsMatch(exporter.Path))
            {
                error($"{field}.path", "must start with / and hold at most 256 printable characters without spaces.");
            }

            if (exporter.Scheme is not null and not ("http" or "https"))
            {
                error($"{field}.scheme", "must be http or https.");
            }

            CheckLabels($"{field}.labels", exporter.Labels, error);
            if (!seen.Add((exporter.Job, exporter.Port)))
            {
                error(field, "repeats the job and port of an earlier exporter.");
            }
        }
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
                ? Normal(ip).ToString()
                : null;
        }

        if (DottedQuadPattern().IsMatch(value))
        {
            return value;
        }

        // A host name whose last label is all digits is a mistyped address, not a name (RFC 1123 2.1).
        return IsHostName(value) && !value.Split('.')[^1].All(char.IsAsciiDigit) ? value : null;
    }

    /// <summary>An IPv4 client seen as ::ffff:a.b.c.d is a.b.c.d.</summary>
    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

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
