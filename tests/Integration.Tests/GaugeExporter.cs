using System.Globalization;
using System.Net;
using System.Text;

namespace PretixOps.Integration.Tests;

/// <summary>
/// A Prometheus exporter of one gauge whose value the test sets, on a free loopback port: what a real Prometheus
/// scrapes for the Scaler's metric targets to read.
/// </summary>
internal sealed class GaugeExporter : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _name;
    private readonly string _labels;
    private readonly Task _serving;
    private double _value;

    public GaugeExporter(string name, string labels, double value)
    {
        _name = name;
        _labels = labels;
        _value = value;
        Port = Ports.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public double Value
    {
        get => Volatile.Read(ref _value);
        set => Volatile.Write(ref _value, value);
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
            // The listener was closed under a request in flight.
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

            var body = Encoding.UTF8.GetBytes(
                $"# TYPE {_name} gauge\n{_name}{{{_labels}}} {Value.ToString(CultureInfo.InvariantCulture)}\n");
            context.Response.ContentType = "text/plain; version=0.0.4";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
