namespace PretixOps.Scaler;

/// <summary>
/// Runs whatever is registered for a seam if it is a hosted service: the real journal and lease run; a test's
/// in-memory stand-in, registered in their place, need not.
/// </summary>
internal sealed class Hosted<T>(T service) : IHostedService
    where T : class
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        (service as IHostedService)?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        (service as IHostedService)?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
