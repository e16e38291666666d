using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

public sealed class RepositoryTests
{
    private static readonly string[] SourceFolders = ["contracts", "services", "tools", "tests"];

    [Fact]
    public void Every_project_is_in_the_solution_so_make_test_runs_it()
    {
        var solution = File.ReadAllText(RepositoryPaths.Combine("Microservices.sln"));
        var projects = SourceFolders
            .SelectMany(folder => Directory.EnumerateFiles(RepositoryPaths.Combine(folder), "*.csproj", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('/', '\\'))
            .ToList();

        Assert.NotEmpty(projects);
        Assert.All(projects, project => Assert.Contains(project, solution, StringComparison.Ordinal));
    }
}
