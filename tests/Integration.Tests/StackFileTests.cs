using PretixOps.TestSupport;
using YamlDotNet.RepresentationModel;

namespace PretixOps.Integration.Tests;

public sealed class StackFileTests
{
    private static readonly string StackFile = RepositoryPaths.Combine("docker-stack.yml");

    [Fact]
    public async Task Docker_stack_config_renders_the_control_plane()
    {
        var result = await Cli.DockerAsync("stack", "config", "-c", StackFile);

        Assert.True(result.ExitCode == 0, result.Output);
        var services = Services(result.Output);
        Assert.Equal(
            ["alert-ingest", "discovery-writer", "rabbitmq", "registration", "scaler", "snmp-poller"],
            services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_image_is_built_from_a_dockerfile_in_the_repository()
    {
        var result = await Cli.DockerAsync("stack", "config", "-c", StackFile);
        Assert.Equal(0, result.ExitCode);

        var built = Services(result.Output).Children
            .Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey("build"))
            .ToList();

        Assert.Equal(5, built.Count);
        Assert.All(built, service =>
        {
            var build = (YamlMappingNode)((YamlMappingNode)service.Value)["build"];
            var dockerfile = RepositoryPaths.Combine(((YamlScalarNode)build["dockerfile"]).Value!);
            var project = ((YamlScalarNode)((YamlMappingNode)build["args"])["SERVICE"]).Value!;
            Assert.True(File.Exists(dockerfile), dockerfile);
            Assert.True(File.Exists(RepositoryPaths.Combine("services", project, project + ".csproj")), project);
        });
    }

    [Fact]
    public async Task Only_the_scaler_gets_the_docker_socket()
    {
        var result = await Cli.DockerAsync("stack", "config", "-c", StackFile);
        Assert.Equal(0, result.ExitCode);

        var withSocket = Services(result.Output).Children
            .Where(s => s.Value.ToString().Contains("docker.sock", StringComparison.Ordinal))
            .Select(s => ((YamlScalarNode)s.Key).Value);

        Assert.Equal(["scaler"], withSocket);
    }

    private static YamlMappingNode Services(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }
}
