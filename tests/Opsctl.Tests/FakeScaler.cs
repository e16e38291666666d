using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PretixOps.Opsctl.Tests;

/// <summary>
/// A stand-in for the Scaler's HTTP API on a free port of 127.0.0.1. It answers what the test tells it and keeps every
/// request, so a test sees what opsctl sent (method, path and query, token, body) and what it made of the answer.
/// </summary>
public sealed class FakeScaler : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Request> _requests = new();

    private FakeScaler(WebApplication app) => _app = app;

    /// <summary>A request as it arrived; <see cref="Authorization"/> is the header's value, null when there was none.</summary>
    public sealed record Request(string Method, string PathAndQuery, string? Authorization, string Body);

    public Uri BaseAddress => new(_app.Urls.First());

    public IReadOnlyList<Request> Requests => [.. _requests];

    /// <param name="answer">What to answer a request; it may set headers on the response (a Link, say) first.</param>
    /// <param name="https">A certificate to serve HTTPS with (PEM files), else plain HTTP.</param>
    public static async Task<FakeScaler> StartAsync(Func<Request, HttpResponse, IResult> answer, PretixOps.TestSupport.TestCa.Issued? https = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(https is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0");
        if (https is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(https.CertificateFile, https.KeyFile);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(o => o.ServerCertificate = certificate));
        }
        var fake = new FakeScaler(builder.Build());
        fake._app.Run(async context =>
        {
            using var body = new StreamReader(context.Request.Body);
            var authorization = context.Request.Headers.Authorization.ToString();
            var request = new Request(context.Request.Method, $"{context.Request.Path}{context.Request.QueryString}",
                authorization.Length > 0 ? authorization : null, await body.ReadToEndAsync());
            fake._requests.Enqueue(request);
            await answer(request, context.Response).ExecuteAsync(context);
        });
        await fake._app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
