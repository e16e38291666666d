using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using PretixOps.TestSupport;

namespace PretixOps.ServiceDefaults.Tests;

/// <summary>
/// A request that arrives with a caller's <c>traceparent</c> is worked on inside that trace, and the trace leaves the
/// process over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> says where to: checked against a collector that
/// takes OTLP/HTTP on a real port.
/// </summary>
public sealed class TracingTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceParent = $"00-{TraceId}-00f067aa0ba902b7-01";

    [Fact]
    public async Task A_request_continues_the_callers_trace_and_it_is_exported_over_otlp_when_an_endpoint_is_set()
    {
        await using var collector = await Collector.StartAsync();
        await using var app = Build(("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        await app.StartAsync();
        Assert.Equal(TraceId, await SeenTraceAsync(app));

        // The server's span ends just after the answer is sent: flushed until it is at the collector, with the caller's
        // trace id. (Other hosts of this assembly run side by side, and their spans may come along: listeners are
        // process-wide.)
        var provider = app.Services.GetRequiredService<TracerProvider>();
        var exported = await Eventually.ValueAsync(() =>
        {
            provider.ForceFlush();
            return Task.FromResult(collector.Received.Any(r => r.Path == "/v1/traces" && r.Body.AsSpan().IndexOf(Convert.FromHexString(TraceId)) >= 0));
        }, found => found, TimeSpan.FromSeconds(30));
        Assert.True(exported, "no span of the caller's trace reached the collector");
    }

    [Fact]
    public async Task An_http_call_made_for_traced_work_is_exported_and_one_made_outside_any_trace_is_not()
    {
        await using var collector = await Collector.StartAsync();
        await using var app = Build(("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        await app.StartAsync();
        using var http = new HttpClient();

        await http.GetAsync(new Uri(collector.Address + "/a-polling-loops-query"));
        using (ServiceTracing.Source.StartActivity("work"))
        {
            await http.GetAsync(new Uri(collector.Address + "/a-call-for-traced-work"));
        }

        var provider = app.Services.GetRequiredService<TracerProvider>();
        var traced = await Eventually.ValueAsync(() =>
        {
            provider.ForceFlush();
            // The client's span names the whole URL; the collector's own server span (the listeners are process-wide)
            // names only the path.
            return Task.FromResult(Exported(collector, collector.Address + "/a-call-for-traced-work"));
        }, found => found, TimeSpan.FromSeconds(30));
        Assert.True(traced, "the call made for traced work was not exported");
        Assert.False(Exported(collector, collector.Address + "/a-polling-loops-query"), "a call outside any trace started one");
    }

    [Fact]
    public async Task Without_an_endpoint_the_trace_is_kept_for_the_logs_and_nothing_is_exported()
    {
        await using var collector = await Collector.StartAsync();
        await using (var app = Build())
        {
            await app.StartAsync();
            Assert.Equal(TraceId, await SeenTraceAsync(app));
        }

        Assert.Empty(collector.Received);
    }

    [Fact]
    public void Continue_picks_up_a_recorded_traceparent_and_starts_afresh_without_one()
    {
        using var spans = new SpanRecorder(ServiceTracing.SourceName);
        using (var continued = ServiceTracing.Continue("scale", TraceParent))
        {
            Assert.Equal(TraceId, continued?.TraceId.ToHexString());
            Assert.Equal("00f067aa0ba902b7", continued?.ParentSpanId.ToHexString());
        }

        using var fresh = ServiceTracing.Continue("scale", "not a traceparent");
        Assert.NotNull(fresh);
        Assert.NotEqual(TraceId, fresh.TraceId.ToHexString());
    }

    private static bool Exported(Collector collector, string text) =>
        collector.Received.Any(r => r.Path == "/v1/traces" && r.Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0);

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults(new ServiceInfo("tracing-test", DefaultPort: 5998));
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGet("/trace", () => Activity.Current?.TraceId.ToHexString() ?? "none");
        return app;
    }

    private static async Task<string> SeenTraceAsync(WebApplication app)
    {
        using var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/trace");
        request.Headers.Add("traceparent", TraceParent);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>An OTLP/HTTP endpoint that keeps what it is sent.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Collector(WebApplication app) => _app = app;

        public ConcurrentBag<(string Path, byte[] Body)> Received { get; } = [];

        public string Address => _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

        public static async Task<Collector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new Collector(app);
            app.MapPost("/{**path}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                collector.Received.Add((context.Request.Path.Value ?? "", body.ToArray()));
                return Results.Ok();
            });
            await app.StartAsync();
            return collector;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
