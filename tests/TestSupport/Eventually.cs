using System.Net;

namespace PretixOps.TestSupport;

/// <summary>
/// Waits for a condition that becomes true asynchronously (a bus connecting, a replica starting). The bound
/// is generous and only there so a broken system fails the test instead of hanging it; it is not a
/// performance assertion.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(90);

    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? bound = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(250);
        }
    }

    public static Task<HttpStatusCode> StatusAsync(HttpClient client, string path, HttpStatusCode wanted, TimeSpan? bound = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return ValueAsync(
            async () =>
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(path, UriKind.RelativeOrAbsolute));
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            },
            status => status == wanted,
            bound);
    }
}
