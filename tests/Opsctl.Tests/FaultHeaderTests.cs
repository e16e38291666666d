using System.Text;
using System.Text.Json;
using PretixOps.Opsctl.DeadLetters;
using PretixOps.TestSupport;

namespace PretixOps.Opsctl.Tests;

/// <summary>Which headers a replay removes, pinned: a change here changes what consumers see on a replayed message.</summary>
public sealed class FaultHeaderTests
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The headers of a message MassTransit 8.5 moved to <c>_error</c> (from a real one), plus the sender's own.</summary>
    private static readonly string[] Observed =
    [
        "Content-Type", "MT-Activity-Id", "MT-Fault-ConsumerType", "MT-Fault-ExceptionType", "MT-Fault-InputAddress", "MT-Fault-Message",
        "MT-Fault-MessageType", "MT-Fault-RetryCount", "MT-Fault-StackTrace", "MT-Fault-Timestamp", "MT-Host-Assembly", "MT-Host-AssemblyVersion",
        "MT-Host-FrameworkVersion", "MT-Host-MachineName", "MT-Host-MassTransitVersion", "MT-Host-OperatingSystemVersion", "MT-Host-ProcessId",
        "MT-Host-ProcessName", "MT-Reason", "MT-Redelivery-Count", "X-Tenant", "traceparent", "x-dotnet-pub-seq-no",
    ];

    [Fact]
    public void The_fault_headers_go_and_everything_else_stays()
    {
        var headers = Observed.ToDictionary(h => h, h => (object?)Encoding.UTF8.GetBytes("value"));
        var kept = FaultHeaders.Strip(headers).Keys.Order(StringComparer.Ordinal).ToArray();
        var snapshot = new { kept, removed = Observed.Except(kept).Order(StringComparer.Ordinal).ToArray() };
        var text = JsonSerializer.Serialize(snapshot, Indented) + "\n";
        var path = RepositoryPaths.Combine("tests", "Opsctl.Tests", "Snapshots", "fault-headers.json");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, text);
        }
        Assert.Equal(File.ReadAllText(path), text);
    }

    [Theory]
    [InlineData("MT-Fault-Message", true)]
    [InlineData("mt-host-machinename", true)]
    [InlineData("MT-Reason", true)]
    [InlineData("MT-Activity-Id", false)]
    [InlineData("MT-FaultX", false)]
    [InlineData("X-MT-Fault-Message", false)]
    public void Only_masstransit_fault_and_host_headers_count(string header, bool fault) => Assert.Equal(fault, FaultHeaders.IsFaultHeader(header));
}
