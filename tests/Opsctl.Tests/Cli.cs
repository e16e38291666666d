namespace PretixOps.Opsctl.Tests;

/// <summary>Tests that run opsctl in this process take Console.Out and Console.Error for the run: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleUse
{
    public const string Name = "Console";
}

/// <summary>opsctl run in this process as an operator types it, with its exit code and what it printed.</summary>
public static class Cli
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await OpsctlCommands.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }
}
