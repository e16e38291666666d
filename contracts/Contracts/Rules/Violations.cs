namespace PretixOps.Contracts.Rules;

/// <summary>
/// What is wrong with a request or a message, field by field: each field is a JSON path such as
/// <c>exporters[0].port</c>, so an HTTP answer can name it (RFC 9457 <c>errors</c>) and a consumer's
/// error can say it. None: the message may be used.
/// </summary>
public sealed class Violations
{
    private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

    public bool IsEmpty => _byField.Count == 0;

    public void Add(string field, string problem)
    {
        if (!_byField.TryGetValue(field, out var problems))
        {
            _byField[field] = problems = [];
        }

        problems.Add(problem);
    }

    /// <summary>Field to problems, in the order they were found.</summary>
    public Dictionary<string, string[]> ByField() => _byField.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>One line naming every field: <c>address is required.; exporters[0].port must be between 1 and 65535.</c></summary>
    public static string Describe(IReadOnlyDictionary<string, string[]> byField) =>
        string.Join("; ", (byField ?? throw new ArgumentNullException(nameof(byField))).Select(e => $"{e.Key} {string.Join(" ", e.Value)}"));

    public override string ToString() => Describe(ByField());
}
