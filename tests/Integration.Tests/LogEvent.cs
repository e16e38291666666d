using System.Text.Json;

namespace PretixOps.Integration.Tests;

/// <summary>One line of a service's JSON log (CLEF): its rendered message, its trace id (<c>@tr</c>), its properties.</summary>
internal sealed record LogEvent(string Message, string? Trace, JsonElement Fields)
{
    public static LogEvent? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement.Clone();
            return new LogEvent(
                root.TryGetProperty("@m", out var message) ? message.GetString() ?? "" : "",
                root.TryGetProperty("@tr", out var trace) ? trace.GetString() : null,
                root);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A property of the event as text (a number as written), or null.</summary>
    public string? this[string property] =>
        Fields.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
}
