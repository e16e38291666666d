using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PretixOps.Fuzz.Tests;

/// <summary>
/// Turns a well-formed JSON document into a hostile one, one kind at a time: the kinds the issue lists for HTTP bodies
/// and bus messages alike. Deterministic for a given <see cref="Random"/>.
/// </summary>
internal static class Mutator
{
    public static readonly string[] Kinds =
    [
        "truncated", "garbage", "wrong-type", "huge-number", "deep-nesting", "odd-unicode", "long-string",
        "duplicate-keys", "missing-field", "extra-field", "not-an-object", "empty",
    ];

    private static readonly string[] OddStrings =
    [
        "\u0000", "\uFEFF", "\u202Eevil", "e\u0301\u0301\u0301", "\U0001F4A9", "\u200B\u200C\u200D", "../../etc/passwd",
        "%00", "${jndi:ldap://x}", "'; DROP TABLE x;--", "<script>", "\r\nX-Injected: 1", "a\u2028b", "\uFFFF",
    ];

    private const string Spoilers = "{}[]\":,\\0-eE.\u0001 ";

    public static (string Kind, byte[] Body) Mutate(Random random, string seed, string? kind = null)
    {
        kind ??= Kinds[random.Next(Kinds.Length)];
        var text = kind switch
        {
            "truncated" => seed[..random.Next(seed.Length)],
            "garbage" => Garbage(random, seed),
            "huge-number" => Replace(random, seed, node => node is JsonValue, () => Number(random)),
            "wrong-type" => Replace(random, seed, _ => true, () => Other(random)),
            "deep-nesting" => Deep(random),
            "odd-unicode" => Replace(random, seed, node => node is JsonValue, () => OddStrings[random.Next(OddStrings.Length)] + "x"),
            "long-string" => Replace(random, seed, node => node is JsonValue, () => new string('\u00e9', random.Next(1_000, 200_000))),
            "duplicate-keys" => DuplicateKeys(random, seed),
            "missing-field" => Remove(random, seed),
            "extra-field" => Extra(random, seed),
            "not-an-object" => new[] { "[]", "null", "42", "\"x\"", "true", "[{}]" }[random.Next(6)],
            _ => "",
        };
        if (kind == "odd-unicode" && random.Next(3) == 0)
        {
            // Bytes that are no UTF-8 at all: a lone continuation byte, an overlong slash, a surrogate encoded directly.
            var bytes = Encoding.UTF8.GetBytes(text).ToList();
            byte[][] invalid = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF]];
            bytes.InsertRange(random.Next(bytes.Count + 1), invalid[random.Next(invalid.Length)]);
            return (kind, [.. bytes]);
        }
        return (kind, Encoding.UTF8.GetBytes(text));
    }

    private static string Garbage(Random random, string seed)
    {
        var chars = seed.ToCharArray();
        for (var i = 0; i < 1 + random.Next(8) && chars.Length > 0; i++)
        {
            chars[random.Next(chars.Length)] = Spoilers[random.Next(Spoilers.Length)];
        }
        return new string(chars);
    }

    private static JsonNode Number(Random random) => random.Next(6) switch
    {
        0 => JsonNode.Parse("1e400")!,
        1 => JsonNode.Parse("-99999999999999999999999999999999")!,
        2 => JsonNode.Parse("0.0000000000000000000000000001")!,
        3 => JsonValue.Create(long.MaxValue),
        4 => JsonValue.Create(int.MinValue),
        _ => JsonNode.Parse("-0")!,
    };

    private static JsonNode? Other(Random random) => random.Next(6) switch
    {
        0 => JsonValue.Create("not what you wanted"),
        1 => JsonValue.Create(random.Next()),
        2 => JsonValue.Create(random.Next(2) == 0),
        3 => null,
        4 => new JsonArray(JsonValue.Create(1), JsonValue.Create("a")),
        _ => new JsonObject { ["nested"] = new JsonObject() },
    };

    private static string Deep(Random random)
    {
        var depth = random.Next(10) == 0 ? random.Next(1_000, 100_000) : random.Next(30, 300);
        var open = random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        var text = new StringBuilder(depth * 6);
        for (var i = 0; i < depth; i++)
        {
            text.Append(open);
        }
        text.Append('1');
        for (var i = 0; i < depth; i++)
        {
            text.Append(close);
        }
        return text.ToString();
    }

    private static string DuplicateKeys(Random random, string seed)
    {
        if (JsonNode.Parse(seed) is not JsonObject root || root.Count == 0)
        {
            return seed;
        }
        var key = root.ElementAt(random.Next(root.Count)).Key;
        // JsonObject refuses duplicates, so the second copy goes in as text, first or last.
        var duplicate = $"\"{key}\":{Other(random)?.ToJsonString() ?? "null"}";
        return random.Next(2) == 0 ? "{" + duplicate + "," + seed.TrimStart()[1..] : seed.TrimEnd()[..^1] + "," + duplicate + "}";
    }

    private static string Remove(Random random, string seed)
    {
        var root = JsonNode.Parse(seed);
        var objects = Descendants(root).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        if (objects.Count == 0)
        {
            return seed;
        }
        var target = objects[random.Next(objects.Count)];
        target.Remove(target.ElementAt(random.Next(target.Count)).Key);
        return root!.ToJsonString();
    }

    private static string Extra(Random random, string seed)
    {
        var root = JsonNode.Parse(seed);
        var objects = Descendants(root).OfType<JsonObject>().ToList();
        if (objects.Count == 0)
        {
            return seed;
        }
        objects[random.Next(objects.Count)][$"extra{random.Next(1000).ToString(CultureInfo.InvariantCulture)}"] = Other(random);
        return root!.ToJsonString();
    }

    /// <summary>One node (never the root) replaced by what <paramref name="make"/> gives.</summary>
    private static string Replace(Random random, string seed, Func<JsonNode, bool> where, Func<JsonNode?> make)
    {
        var root = JsonNode.Parse(seed);
        var candidates = Descendants(root).Where(n => n.Parent is not null && where(n)).ToList();
        if (candidates.Count == 0)
        {
            return seed;
        }
        var node = candidates[random.Next(candidates.Count)];
        var replacement = make();
        switch (node.Parent)
        {
            case JsonObject parent:
                parent[node.GetPropertyName()] = replacement;
                break;
            case JsonArray array:
                array[node.GetElementIndex()] = replacement;
                break;
        }
        return root!.ToJsonString();
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode? node)
    {
        if (node is null)
        {
            yield break;
        }
        yield return node;
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.ToList())
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }
}
