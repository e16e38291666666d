using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using PretixOps.ServiceDefaults;
using Prometheus;

namespace PretixOps.Scaler.Policy;

/// <summary>
/// The policy in force. Validated at start (a bad one stops the service), and read again whenever its
/// configuration changes (the policy file is saved): a valid new policy replaces the old one at once; a bad one is
/// refused with a log line and a metric that name the field, and the old one stays.
/// </summary>
public sealed class PolicyStore : IDisposable
{
    private static readonly Counter Reloads = Metrics.CreateCounter(
        "pretixops_scaler_policy_reloads_total", "Policy reloads, by result (applied, refused).", "result");

    private static readonly Gauge Refused = Metrics.CreateGauge(
        "pretixops_scaler_policy_refused",
        "1 for each setting named by the last refused reload; the old policy stays in force. Cleared by a valid reload.",
        "field");

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly IConfiguration _configuration;
    private readonly ILogger<PolicyStore> _logger;
    private readonly IDisposable _watch;
    private readonly Lock _gate = new();
    private volatile ScalerOptions _current;
    private string _currentJson;
    private string[] _refusedFields = [];

    public PolicyStore(IOptions<ScalerOptions> options, IConfiguration configuration, ILogger<PolicyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _current = options.Value;
        _currentJson = JsonSerializer.Serialize(_current, Json);
        _configuration = configuration;
        _logger = logger;
        _watch = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Raised after a new policy took effect.</summary>
    public event Action? Changed;

    public ScalerOptions Current => _current;

    /// <summary>Reads the configuration again; what a file change does, callable directly.</summary>
    public void Reload()
    {
        // A file caught missing (replaced by a rename, say) reads as empty, not as an error: the policy would lose every
        // service it holds, so that is refused like a file that cannot be read.
        var (fresh, problems) = ConfigFileReload.Take() is { } unreadable
            ? (null, [$"ConfigFile: cannot be read: {unreadable}"])
            : _configuration["ConfigFile"] is { Length: > 0 } file && !File.Exists(file)
                ? (null, [$"ConfigFile: {file} is missing"])
                : ValidatedOptions.BindAndValidate<ScalerOptions>(_configuration, ScalerOptions.Section);
        lock (_gate)
        {
            foreach (var field in _refusedFields)
            {
                Refused.RemoveLabelled(field);
            }

            if (fresh is null)
            {
                _refusedFields = [.. problems.Select(FieldOf).Distinct(StringComparer.Ordinal)];
                foreach (var field in _refusedFields)
                {
                    Refused.WithLabels(field).Set(1);
                }

                Reloads.WithLabels("refused").Inc();
                _logger.LogError("Scaler policy reload refused, the old policy stays in force: {Problems}", string.Join("; ", problems));
                return;
            }

            _refusedFields = [];
            var json = JsonSerializer.Serialize(fresh, Json);
            if (json == _currentJson)
            {
                return;
            }

            _current = fresh;
            _currentJson = json;
            Reloads.WithLabels("applied").Inc();
        }

        _logger.LogInformation("Scaler policy reloaded: {Services} services, {Rules} rules", fresh.Services.Count, fresh.Rules.Count);
        Changed?.Invoke();
    }

    public void Dispose() => _watch.Dispose();

    /// <summary>"Scaler:Services:pretix_web:Max: must be …" names the field before its first ": ".</summary>
    private static string FieldOf(string problem) =>
        problem.IndexOf(": ", StringComparison.Ordinal) is var at and > 0 ? problem[..at] : problem;
}
