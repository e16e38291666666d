using System.Diagnostics;
using System.Text;

namespace PretixOps.Integration.Tests;

/// <summary>Runs a command-line tool the way an operator would, and keeps what it printed.</summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(
        string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        return new Result(process.ExitCode, output.ToString());
    }

    public static Task<Result> DockerAsync(params string[] args) =>
        RunAsync("docker", args, new Dictionary<string, string?> { ["DOCKER_HOST"] = Infrastructure.DockerHost });
}
