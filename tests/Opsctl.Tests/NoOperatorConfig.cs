using System.Runtime.CompilerServices;

namespace PretixOps.Opsctl.Tests;

/// <summary>
/// Tests that run opsctl in this process read this process's environment: not the config `make up` installs for the
/// operator (~/.config/opsctl/config.json), nor an OPSCTL_* variable of the shell that runs the tests.
/// </summary>
internal static class NoOperatorConfig
{
    [ModuleInitializer]
    internal static void Isolate()
    {
        // A folder nothing creates: no config there.
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(Path.GetTempPath(), "opsctl-tests-without-config"));
        foreach (var name in Environment.GetEnvironmentVariables().Keys.OfType<string>().Where(n => n.StartsWith("OPSCTL_", StringComparison.Ordinal)))
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
