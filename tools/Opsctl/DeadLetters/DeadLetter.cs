using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace PretixOps.Opsctl.DeadLetters;

/// <summary>
/// One message in an <c>_error</c> or <c>_skipped</c> queue, with what MassTransit wrote about its failure: the
/// <c>MT-Fault-*</c> headers (exception, message, stack trace, consumer, input address, retry count, time) and the
/// <c>MT-Host-*</c> headers of the process it failed in.
/// </summary>
public sealed record DeadLetter(
    ulong DeliveryTag,
    string Queue,
    IReadOnlyBasicProperties Properties,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body)
{
    public string? MessageId => Properties.MessageId ?? Envelope("messageId");

    /// <summary>The message type, as MassTransit names it (<c>PretixOps.Contracts:ScaleService</c>).</summary>
    public string? MessageType => Header("MT-Fault-MessageType") ?? FirstMessageType();

    public string? ExceptionType => Header("MT-Fault-ExceptionType");

    public string? ExceptionMessage => Header("MT-Fault-Message");

    /// <summary>When it failed; null for a skipped message (no consumer, so no fault).</summary>
    public DateTimeOffset? FaultedAt =>
        DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>
    /// The queue the message failed on: from <c>MT-Fault-InputAddress</c>, else the queue's name without its
    /// <c>_error</c> / <c>_skipped</c> suffix (MassTransit names them so).
    /// </summary>
    public string InputQueue
    {
        get
        {
            if (Header("MT-Fault-InputAddress") is { } address && Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Segments.Length > 0)
            {
                // rabbitmq://host/vhost/name, where a queue= parameter names the queue when it differs from the exchange.
                var queue = System.Web.HttpUtility.ParseQueryString(uri.Query)["queue"];
                return queue ?? Uri.UnescapeDataString(uri.Segments[^1]);
            }
            // An archived message goes back to where it was archived from, never into the archive itself.
            return DeadLetterQueues.InputQueueOf(Header("opsctl-archived-from") ?? Queue);
        }
    }

    /// <summary>
    /// What identifies this dead letter, not just the message: the same message id failing again after a replay is
    /// a new dead letter (a new fault time), and must not be mistaken for one already moved.
    /// </summary>
    public string Identity => $"{MessageId ?? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Body.Span))}|{Header("MT-Fault-Timestamp")}";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static DeadLetter From(string queue, ulong deliveryTag, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body) =>
        new(deliveryTag, queue, properties, DecodeHeaders(properties.Headers), body.ToArray());

    /// <summary>AMQP header values as text: strings arrive as bytes, numbers as numbers.</summary>
    public static Dictionary<string, string> DecodeHeaders(IDictionary<string, object?>? headers)
    {
        var decoded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers ?? new Dictionary<string, object?>())
        {
            decoded[name] = value switch
            {
                null => "",
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
        }
        return decoded;
    }

    private string? FirstMessageType()
    {
        try
        {
            using var json = JsonDocument.Parse(Body);
            return json.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString()?.Replace("urn:message:", "", StringComparison.Ordinal)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string? Envelope(string property)
    {
        try
        {
            using var json = JsonDocument.Parse(Body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(property, out var value)
                ? value.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
