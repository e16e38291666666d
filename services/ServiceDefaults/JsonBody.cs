using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Reads a JSON request body with the checks every endpoint needs, each answered with problem details:
/// 415 for another content type, 413 over the size limit, 400 for malformed JSON or a field of the wrong
/// type (naming the field). Unknown fields are ignored; numbers must be numbers.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = RequestLimitOptions.JsonMaxDepth,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public sealed record Outcome<T>(T? Value, IResult? Error);

    public static async Task<Outcome<T>> ReadAsync<T>(
        HttpRequest request, long limit, CancellationToken cancellationToken, bool anyContentType = false)
        where T : class
    {
        var bytes = await ReadBytesAsync(request, limit, cancellationToken, anyContentType);
        return bytes.Error is not null ? new(null, bytes.Error) : Parse<T>(bytes.Value!);
    }

    /// <summary>The raw body (for signatures), after the content-type and size checks.</summary>
    public static async Task<Outcome<byte[]>> ReadBytesAsync(
        HttpRequest request, long limit, CancellationToken cancellationToken, bool anyContentType = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!anyContentType && !request.HasJsonContentType())
        {
            RejectedRequests.Count("unsupported_media_type");
            return new(null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the body as JSON with Content-Type: application/json."));
        }

        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        // Read at most limit + 1 bytes: a body without Content-Length (chunked) is held to the same limit.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return TooLarge(limit);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            // The server could not read the body (chunked framing that is not, a body shorter than its Content-Length,
            // Kestrel's own limits): the caller's error, with the status the server chose; the fuzz campaign found it a 500.
            RejectedRequests.Count("unreadable_body");
            return new(null, Problems.Create(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request",
                $"The body could not be read: {ex.Message}"));
        }

        return new(buffer.ToArray(), null);
    }

    public static Outcome<T> Parse<T>(ReadOnlySpan<byte> body)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(body, Options);
            return value is null
                ? new(null, Problems.Validation(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object, not null."] }))
                : new(value, null);
        }
        catch (JsonException ex)
        {
            RejectedRequests.Count("malformed");
            var field = FieldOf(ex.Path);
            return new(null, Problems.Validation(
                new Dictionary<string, string[]> { [field] = ["is malformed or has the wrong type."] },
                $"The body is not valid JSON of the expected shape at '{field}'."));
        }
    }

    /// <summary>A System.Text.Json path (<c>$.exporters[0].port</c>) as the field name in errors (<c>exporters[0].port</c>).</summary>
    public static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static Outcome<byte[]> TooLarge(long limit)
    {
        RejectedRequests.Count("too_large");
        return new(null, Problems.Create(StatusCodes.Status413PayloadTooLarge, "Payload too large",
            $"The body must be at most {limit} bytes."));
    }
}
