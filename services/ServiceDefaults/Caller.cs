using Microsoft.AspNetCore.Http;

namespace PretixOps.ServiceDefaults;

/// <summary>Who called: a named credential and its roles, or a shared token (no name, reading only).</summary>
public sealed record Caller(string? Name, IReadOnlySet<string> Roles)
{
    public static readonly Caller Shared = new(null, new HashSet<string>(StringComparer.Ordinal) { ServiceDefaults.Roles.Read });

    /// <summary>The caller an endpoint filter authenticated for this request.</summary>
    public static Caller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[typeof(Caller)] as Caller
            ?? throw new InvalidOperationException("The endpoint has no access filter (RequireAccess or RequireRole).");
    }
}
