using System.Text;

namespace PretixOps.Fuzz.Tests;

/// <summary>The hostile requests: a spoiled body, a wrong content type, spoiled credentials, a spoiled head, a slow body.</summary>
internal static class HttpCases
{
    private static readonly string?[] ContentTypes =
    [
        null, "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
        "application/x-www-form-urlencoded", "application/json; charset=\"", ";;;", "application/problem+json",
    ];

    public static HttpCase Next(Random random, Endpoint endpoint)
    {
        var seed = endpoint.Seeds.Count > 0 ? endpoint.Seeds[random.Next(endpoint.Seeds.Count)] : null;
        var path = endpoint.Path(random);
        var roll = random.Next(100);
        if (roll < 4)
        {
            return Raw(random, endpoint, path, seed);
        }
        if (roll < 5 && seed is not null)
        {
            var slow = Encoding.UTF8.GetBytes(seed);
            return new(endpoint.Name, endpoint.Project, "slow-body", endpoint.Method, path, slow, "application/json", endpoint.Credentials(slow), Slow: true);
        }
        if (roll < 12)
        {
            var body = seed is null ? null : Encoding.UTF8.GetBytes(seed);
            var credentials = random.Next(3) switch
            {
                0 => [],
                1 => [("Authorization", "Bearer wrong-token-0123456789abcdef")],
                _ => endpoint.Credentials(body ?? []).Select(h => (h.Name, h.Value + "x")).ToList(),
            };
            return new(endpoint.Name, endpoint.Project, "bad-credentials", endpoint.Method, path, body, "application/json", credentials);
        }
        if (seed is null)
        {
            // A GET or DELETE: its path and query are what there is to spoil (Endpoint.Path does), and its headers.
            var headers = endpoint.Credentials([]).ToList();
            if (random.Next(2) == 0)
            {
                headers.Add(("X-Forwarded-For", random.Next(2) == 0 ? "10.0.0.1, 127.0.0.1" : "not-an-address"));
            }
            return new(endpoint.Name, endpoint.Project, "path-and-query", endpoint.Method, path, null, null, headers);
        }
        if (roll < 20)
        {
            var body = Encoding.UTF8.GetBytes(seed);
            return new(endpoint.Name, endpoint.Project, "content-type", endpoint.Method, path, body,
                ContentTypes[random.Next(ContentTypes.Length)], endpoint.Credentials(body));
        }
        var (kind, spoiled) = Mutator.Mutate(random, seed);
        return new(endpoint.Name, endpoint.Project, kind, endpoint.Method, path, spoiled, "application/json", endpoint.Credentials(spoiled));
    }

    /// <summary>A request head written by hand: what HttpClient refuses to send.</summary>
    private static HttpCase Raw(Random random, Endpoint endpoint, string path, string? seed)
    {
        var body = Encoding.UTF8.GetBytes(seed ?? "");
        var credentials = string.Concat(endpoint.Credentials(body).Select(h => $"{h.Name}: {h.Value}\r\n"));
        var length = $"Content-Length: {body.Length}\r\n";
        var head = random.Next(9) switch
        {
            0 => $"{credentials}X-Fuzz: a\r\nX-Injected: b\nBare-LF: c\r\n{length}",
            1 => $"{credentials}X-Fuzz: a\r\n folded: continuation\r\n{length}",
            2 => $"{credentials}X-Fuzz: a\0b\r\n{length}",
            3 => $"{credentials}X-Long: {new string('h', random.Next(10_000, 100_000))}\r\n{length}",
            4 => $"{credentials}{length}Content-Length: {body.Length + 5}\r\n",
            5 => $"{credentials}Transfer-Encoding: chunked\r\n{length}",
            6 => $"{credentials}Bad Header Name: x\r\n{length}",
            7 => $"{credentials}Content-Length: -1\r\n",
            _ => $"{credentials}{string.Concat(Enumerable.Range(0, 500).Select(i => $"X-Many-{i}: {i}\r\n"))}{length}",
        };
        return new(endpoint.Name, endpoint.Project, "header-injection", endpoint.Method, path, body,
            "application/json", [], RawHead: head);
    }
}
