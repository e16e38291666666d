using PretixOps.Contracts.Rules;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Service, job and instance names in configuration and routes: the messages' own rule (<see cref="NameRule"/>),
/// so a name a service accepts is one every message may carry.
/// </summary>
public static class Names
{
    public const string Rule = NameRule.Text;

    public static bool IsValid(string? value) => NameRule.IsValid(value);
}
