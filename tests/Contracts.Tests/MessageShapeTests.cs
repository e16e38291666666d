using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using PretixOps.TestSupport;

namespace PretixOps.Contracts.Tests;

/// <summary>
/// Pins the JSON of every message as it travels on the bus (MassTransit's own serializer settings). A
/// changed snapshot is a changed contract: adding a field is fine, renaming or removing one breaks every
/// service and every queued message. Regenerate deliberately with UPDATE_SNAPSHOTS=1.
/// </summary>
public sealed class MessageShapeTests
{
    private static readonly JsonSerializerOptions Options = new(SystemTextJsonMessageSerializer.Options)
    {
        WriteIndented = true,
    };

    public static TheoryData<string> MessageNames()
    {
        var data = new TheoryData<string>();
        foreach (var message in Samples.All)
        {
            data.Add(message.GetType().Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Serializes_to_its_pinned_shape(string name)
    {
        var message = Sample(name);
        var json = JsonSerializer.Serialize(message, message.GetType(), Options) + "\n";
        var path = SnapshotPath(name);

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, json);
        }

        Assert.True(File.Exists(path), $"No snapshot for {name}: run the tests once with UPDATE_SNAPSHOTS=1.");
        Assert.Equal(File.ReadAllText(path), json);
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Round_trips_through_its_snapshot(string name)
    {
        var type = Sample(name).GetType();
        var snapshot = File.ReadAllText(SnapshotPath(name));

        var parsed = JsonSerializer.Deserialize(snapshot, type, Options);

        Assert.NotNull(parsed);
        Assert.Equal(snapshot, JsonSerializer.Serialize(parsed, type, Options) + "\n");
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Keeps_its_message_urn(string name)
    {
        var type = Sample(name).GetType();

        // The URN (namespace and name) is how RabbitMQ exchanges and consumers recognise a message.
        Assert.Equal($"urn:message:PretixOps.Contracts:{name}", MessageUrn.ForTypeString(type));
    }

    [Fact]
    public void Contracts_reference_nothing_but_the_framework()
    {
        var references = typeof(InstanceRegistered).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? "")
            .Where(n => !n.StartsWith("System", StringComparison.Ordinal) && n != "netstandard" && n != "mscorlib");

        Assert.Empty(references);
    }

    private static object Sample(string name) => Samples.All.Single(m => m.GetType().Name == name);

    private static string SnapshotPath(string name) =>
        RepositoryPaths.Combine("tests", "Contracts.Tests", "Snapshots", name + ".json");
}
