using System.ComponentModel.DataAnnotations;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The <c>ForwardedHeaders</c> section. <c>X-Forwarded-For</c> is believed only from these proxies; from
/// anyone else it is ignored and the caller is the TCP peer. Empty (the default): never believed.
/// </summary>
public sealed class TrustedProxyOptions : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Networks.Validate(TrustedProxies, nameof(TrustedProxies), example: "10.0.0.2/32");
}
