namespace PretixOps.Scaler.Policy;

/// <summary><c>Scaler:Prometheus</c>: the HTTP API the metric targets are queried on.</summary>
public sealed class PrometheusOptions
{
    /// <summary>Prometheus's base URL, such as <c>http://prometheus:9090</c>; required when a service has Metrics.</summary>
    public Uri? Url { get; set; }

    /// <summary>How long one query may take, sent to Prometheus as its own <c>timeout</c> too.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A file holding a bearer token for Prometheus, when it sits behind authentication.</summary>
    public string? BearerTokenFile { get; set; }

    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (Url is not null && (!Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https")))
        {
            yield return ("Prometheus:Url", "must be an absolute http(s) URL.");
        }

        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(1))
        {
            yield return ("Prometheus:Timeout", "must be between 00:00:00.1 and 00:01:00.");
        }

        if (!string.IsNullOrWhiteSpace(BearerTokenFile) && !File.Exists(BearerTokenFile))
        {
            yield return ("Prometheus:BearerTokenFile", $"names a file that does not exist: {BearerTokenFile}");
        }
    }
}
