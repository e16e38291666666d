namespace PretixOps.ServiceDefaults;

/// <summary>The roles of named credentials: each lets its holder do one kind of thing, and nothing else.</summary>
public static class Roles
{
    /// <summary>Reads what a service serves (decisions, status, registrations, http_sd targets).</summary>
    public const string Read = "read";

    /// <summary>Changes the Scaler's runtime state: pause, resume, dry run, scale.</summary>
    public const string Operate = "operate";

    /// <summary>Registers and deregisters instances of the services the credential lists, at the caller's own address.</summary>
    public const string Register = "register";

    /// <summary>With <see cref="Register"/>: the registered address may be another than the request's source address.</summary>
    public const string RegisterAnyAddress = "register-any-address";

    /// <summary>Sends alert webhooks (Alertmanager, Grafana).</summary>
    public const string Alerts = "alerts";

    /// <summary>Every role, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<string> All = [Register, Alerts, Operate, Read, RegisterAnyAddress];
}
