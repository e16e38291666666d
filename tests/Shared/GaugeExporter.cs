using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;

namespace PretixOps.Shared;

/// <summary>
/// A Prometheus exporter of one gauge, with a series per label set whose values a test or a benchmark sets, on a
/// free loopback port: what a real Prometheus scrapes for the Scaler's metric targets to read. Compiled into the
/// integration tests and the benchmarks alike (a linked file: tests/TestSupport would bring xunit into the
/// benchmarks' executable).
/// </summary>
internal sealed class GaugeExporter : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _series = new(StringComparer.Ordinal);
    private readonly string _name;
    private readonly Task _serving;

    public GaugeExporter(string name)
    {
        _name = name;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The series with these labels (Prometheus's syntax inside the braces: <c>service="web"</c>; "" for none).</summary>
    public double this[string labels]
    {
        get => _series[labels];
        set => _series[labels] = value;
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a scrape in flight.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var text = new StringBuilder($"# TYPE {_name} gauge\n");
            foreach (var (labels, value) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"{_name}{(labels.Length > 0 ? $"{{{labels}}}" : "")} {value}\n");
            }

            var body = Encoding.UTF8.GetBytes(text.ToString());
            context.Response.ContentType = "text/plain; version=0.0.4";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
