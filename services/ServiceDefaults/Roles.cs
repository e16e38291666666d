namespace PretixOps.ServiceDefaults;

/// <summary>The roles of named credentials.</summary>
public static class Roles
{
    /// <summary>Reads what a service serves (decisions, status, registrations).</summary>
    public const string Read = "read";

    /// <summary>Changes the Scaler's runtime state: pause, resume, dry run, scale.</summary>
    public const string Operate = "operate";
}
