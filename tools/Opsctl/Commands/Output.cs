using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace PretixOps.Opsctl.Commands;

/// <summary>How every command prints: JSON with <c>--json</c>, else tables and lines; times, counts and lists alike everywhere.</summary>
internal static class Output
{
    /// <summary>A document for a person to read or a tool to parse.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One object per line, for a stream another tool follows (<c>decisions --follow --json</c>).</summary>
    public static readonly JsonSerializerOptions JsonLine = new(JsonSerializerDefaults.Web);

    public static void WriteJson(object value, JsonSerializerOptions? options = null) =>
        Console.WriteLine(JsonSerializer.Serialize(value, options ?? Json));

    /// <summary>A command's result: the value as JSON, or one line of text.</summary>
    public static void Report(bool json, object value, string text)
    {
        if (json)
        {
            WriteJson(value);
        }
        else
        {
            AnsiConsole.WriteLine(text);
        }
    }

    public static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Lines of one table cell; "-" when there are none.</summary>
    public static string Lines(IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        return text.Length > 0 ? text : "-";
    }

    /// <summary>A replica count, "?" when Docker's is not known.</summary>
    public static string Count(int? replicas) => replicas?.ToString(CultureInfo.InvariantCulture) ?? "?";

    public static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";
}
