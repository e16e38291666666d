using Microsoft.AspNetCore.Http;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Who called: a named credential with its roles and, for <see cref="ServiceDefaults.Roles.Register"/>, its services;
/// or a shared token (no name, reading only).
/// </summary>
public sealed record Caller(string? Name, IReadOnlySet<string> Roles, IReadOnlySet<string>? Services = null)
{
    public static readonly Caller Shared = new(null, new HashSet<string>(StringComparer.Ordinal) { ServiceDefaults.Roles.Read });

    /// <summary>Whether this caller may register (and deregister) instances of <paramref name="service"/>.</summary>
    public bool MayRegister(string service) =>
        Roles.Contains(ServiceDefaults.Roles.Register) && Services is { } services
        && (services.Contains(service) || services.Contains(Credential.AnyService));

    /// <summary>The caller an endpoint filter authenticated for this request.</summary>
    public static Caller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[typeof(Caller)] as Caller
            ?? throw new InvalidOperationException("The endpoint has no access filter (RequireAccess or RequireRole).");
    }
}
