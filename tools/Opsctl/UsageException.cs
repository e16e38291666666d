namespace PretixOps.Opsctl;

/// <summary>A command line that cannot mean anything: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
