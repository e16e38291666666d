namespace PretixOps.AlertIngest;

public sealed class HmacOptions
{
    public string? Secret { get; set; }
    public string? SecretFile { get; set; }

    /// <summary>Where the sender puts the lowercase hex signature.</summary>
    public string Header { get; set; } = "X-Grafana-Alerting-Signature";

    /// <summary>When set, the signed string is <c>&lt;unix seconds&gt;:&lt;body&gt;</c> with the seconds from this header.</summary>
    public string? TimestampHeader { get; set; }

    /// <summary>Signatures older than this, or reused within it, are refused.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);
}
