namespace PretixOps.Opsctl;

/// <summary>A failure an operator can act on: printed as one line, exit code 1.</summary>
public sealed class OpsctlException(string message, Exception? inner = null) : Exception(message, inner);
