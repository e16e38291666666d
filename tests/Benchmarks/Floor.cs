namespace PretixOps.Benchmarks;

/// <summary>The HTTP floor: Kestrel answering 202 to any POST, reading the body and doing nothing else.</summary>
internal static class Floor
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/v1/instances", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Accepted();
        });
        app.MapPost("/v1/alerts/alertmanager", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Ok();
        });
        app.MapGet("/healthz/ready", () => Results.Ok());
        await app.RunAsync();
        return 0;
    }
}
