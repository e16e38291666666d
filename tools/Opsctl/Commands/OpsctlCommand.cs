using System.CommandLine;

namespace PretixOps.Opsctl.Commands;

/// <summary>
/// A command of opsctl. Its work runs under the one error policy: settings resolved first, a usage error is one line
/// and exit code 2, any other failure one line and exit code 1 (the detail with <c>--verbose</c>), never a stack trace.
/// </summary>
internal abstract class OpsctlCommand(string name, string description) : Command(name, description)
{
    /// <summary>The command's work: its exit code, 0 on success.</summary>
    protected void SetWork(Func<ParseResult, OpsctlSettings, CancellationToken, Task<int>> work) =>
        SetAction(async (parse, cancellationToken) =>
        {
            var verbose = parse.GetValue(GlobalOptions.Verbose);
            try
            {
                var settings = OpsctlSettings.Resolve(GlobalOptions.FlagsOf(parse), Environment.GetEnvironmentVariable);
                if (verbose)
                {
                    await Console.Error.WriteLineAsync($"opsctl: {settings}");
                }
                return await work(parse, settings, cancellationToken);
            }
            catch (UsageException e)
            {
                await Console.Error.WriteLineAsync($"opsctl: {e.Message}");
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("opsctl: cancelled.");
                return 1;
            }
#pragma warning disable CA1031 // the one place every failure becomes a line and an exit code, never a stack trace
            catch (Exception e)
#pragma warning restore CA1031
            {
                await Console.Error.WriteLineAsync($"opsctl: {e.Message}");
                if (verbose)
                {
                    await Console.Error.WriteLineAsync(e.ToString());
                }
                return 1;
            }
        });

    protected static bool Json(ParseResult parse) => parse.GetValue(GlobalOptions.AsJson);
}
