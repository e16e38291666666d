namespace PretixOps.Registration;

public sealed class ReportExporter
{
    public string? Job { get; set; }
    public int? Port { get; set; }
    public string? Path { get; set; }
    public string? Scheme { get; set; }
}
