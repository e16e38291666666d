using System.Net.Sockets;
using System.Text;

namespace PretixOps.Fuzz.Tests;

/// <summary>HTTP/1.1 over a bare socket: a head written by hand, or a body that trickles. Returns the status, or 0 if the server closed without one.</summary>
internal static class RawHttp
{
    public static async Task<int> SendAsync(Uri server, HttpCase request, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cancellationToken);
        var stream = tcp.GetStream();
        var head = new StringBuilder()
            .Append(request.Method.Method).Append(' ').Append(request.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.Authority).Append("\r\nConnection: close\r\n");
        if (request.ContentType is not null)
        {
            head.Append("Content-Type: ").Append(request.ContentType).Append("\r\n");
        }
        head.Append(request.RawHead ?? string.Concat(request.Headers.Select(h => $"{h.Name}: {h.Value}\r\n"))
            + $"Content-Length: {request.Body?.Length ?? 0}\r\n");
        head.Append("\r\n");
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
            var body = request.Body ?? [];
            if (request.Slow)
            {
                // A few bytes every 50 ms, for at most about 2 s: slower than any sender means, within Kestrel's grace period.
                var chunk = Math.Max(1, body.Length / 40);
                for (var offset = 0; offset < body.Length; offset += chunk)
                {
                    await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)), cancellationToken);
                    await Task.Delay(50, cancellationToken);
                }
            }
            else
            {
                await stream.WriteAsync(body, cancellationToken);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before the request is all written (a head it refuses): the answer is still there to read.
        }
        var buffer = new byte[64];
        var read = 0;
        try
        {
            while (read < 12)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
        }
        catch (IOException)
        {
            return 0;
        }
        var status = Encoding.ASCII.GetString(buffer, 0, read);
        return status.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(status.AsSpan(9, 3), out var code) ? code : 0;
    }
}
