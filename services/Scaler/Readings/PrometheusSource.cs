using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PretixOps.Scaler.Policy;

namespace PretixOps.Scaler.Readings;

/// <summary>
/// Prometheus's HTTP API, <c>GET /api/v1/query</c>. Anything but one finite number is an error, never a zero: an
/// empty result (the series is gone, the target is down) or NaN must not read as "no load" (keda#3065).
/// </summary>
public sealed class PrometheusSource(IHttpClientFactory http, IOptions<ScalerOptions> options) : IMetricSource
{
    public const string Client = "prometheus";

    public async Task<double> QueryAsync(string query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var settings = options.Value.Prometheus;
        var url = settings.Url ?? throw new MetricQueryException("config", "Scaler:Prometheus:Url is not set.");
        using var client = http.CreateClient(Client);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(settings.Timeout);
        var timeout = settings.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri(url, $"api/v1/query?query={Uri.EscapeDataString(query)}&timeout={timeout}"));
        if (settings.BearerTokenFile is { Length: > 0 } tokenFile)
        {
            try
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim());
            }
            catch (IOException e)
            {
                throw new MetricQueryException("config", $"Scaler:Prometheus:BearerTokenFile cannot be read: {e.Message}", e);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, bound.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MetricQueryException("timeout", $"Prometheus did not answer within {settings.Timeout}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new MetricQueryException("http", $"Prometheus at {url.Authority} is unreachable: {e.Message}", e);
        }

        using (response)
        {
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(bound.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MetricQueryException("timeout", $"Prometheus did not answer within {settings.Timeout}.", e);
            }

            return Parse(body, (int)response.StatusCode);
        }
    }

    /// <summary>The one number of a query's answer (Prometheus's JSON), or the reason there is none.</summary>
    public static double Parse(string body, int status)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new MetricQueryException("http", $"Prometheus answered {status} with a body that is not JSON.", e);
        }

        using (json)
        {
            try
            {
                return Value(json.RootElement, status);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new MetricQueryException("error", $"Prometheus answered {status} in a shape that is not an instant query's.", e);
            }
        }
    }

    private static double Value(JsonElement root, int status)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var state) || state.GetString() != "success")
        {
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e.GetString() : null;
            throw new MetricQueryException("error", $"Prometheus answered {status}: {error ?? "no result"}");
        }

        var data = root.GetProperty("data");
        var kind = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        JsonElement sample;
        switch (kind)
        {
            case "scalar":
                sample = result;
                break;
            case "vector":
                var count = result.GetArrayLength();
                if (count == 0)
                {
                    throw new MetricQueryException("no_series", "the query answered no series (is the metric gone, or its target down?).");
                }

                if (count > 1)
                {
                    throw new MetricQueryException("many_series", $"the query answered {count} series; aggregate it to one (sum, max, avg).");
                }

                sample = result[0].GetProperty("value");
                break;
            default:
                throw new MetricQueryException("error", $"the query answered a {kind}; it must answer a scalar or one series (an instant query).");
        }

        var text = sample[1].GetString();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new MetricQueryException("not_a_number", $"the query answered {text}, not a finite number.");
        }

        return value;
    }
}
