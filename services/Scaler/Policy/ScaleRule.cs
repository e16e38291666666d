namespace PretixOps.Scaler.Policy;

/// <summary>
/// An alert matched by name and/or labels is a signal for a service: while an <see cref="Direction.Up"/> rule's
/// alert fires the service steps up; while a <see cref="Direction.Down"/> rule's fires it steps down.
/// </summary>
public sealed class ScaleRule
{
    public string? Name { get; set; }
    public string? Alertname { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string? Service { get; set; }
    public Direction Direction { get; set; } = Direction.Up;

    public bool Matches(string alertname, IReadOnlyDictionary<string, string> labels) =>
        (string.IsNullOrEmpty(Alertname) || Alertname == alertname)
        && Labels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
