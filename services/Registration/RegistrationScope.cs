using System.Net;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// What a <c>register</c> credential may register: only the services it lists, and only at the address its request
/// comes from unless it also holds <c>register-any-address</c>. A compromised workload can then neither pose as
/// another service nor point Prometheus (and the secrets it scrapes with) at a host of its choosing. Each refusal is
/// a 403 whose <c>rule</c> names the rule broken.
/// </summary>
public static class RegistrationScope
{
    public const string OwnServicesRule = "register-own-services";
    public const string OwnAddressRule = "register-own-address";

    /// <summary>The refusal of <paramref name="request"/> for <paramref name="caller"/>, or null. A malformed field is left to the rules (400).</summary>
    public static IResult? Check(Caller caller, RegisterInstance request, IPAddress? source)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Service is { } service && NameRule.IsValid(service) && ServiceRefusal(caller, service) is { } refused)
        {
            return refused;
        }

        // A task id shaped like another service's slot id (pretix_pg-1.1) would take over that service's entry.
        if (request.Slot is null && request.TaskId is { } taskId && request.Service is { } claimed
            && InstanceRefusal(caller, taskId, claimed, "taskId") is { } foreign)
        {
            return foreign;
        }

        if (request.Address is { } address && RegisterInstanceRules.NormalAddress(address) is { } normal
            && !caller.Roles.Contains(Roles.RegisterAnyAddress) && normal != SourceOf(source))
        {
            return Refuse(OwnAddressRule, "address",
                $"The credential '{caller.Name}' may register only the address its request comes from ({SourceOf(source) ?? "unknown"}), not {normal}: " +
                "leave address out, or give the credential the role 'register-any-address'.");
        }

        return null;
    }

    /// <summary>The refusal of registering or deregistering <paramref name="service"/>, or null.</summary>
    public static IResult? ServiceRefusal(Caller caller, string service)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.MayRegister(service)
            ? null
            : Refuse(OwnServicesRule, "service",
                $"The credential '{caller.Name}' may register only its own services ({string.Join(", ", caller.Services ?? new HashSet<string>())}), not '{service}'.");
    }

    /// <summary>
    /// The refusal of registering or deregistering <paramref name="instanceId"/> as <paramref name="service"/> when the
    /// id is another service's <c>service.slot</c>, or null: a credential of one service must not reach another's entry
    /// by naming its id.
    /// </summary>
    public static IResult? InstanceRefusal(Caller caller, string instanceId, string service, string field)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(instanceId);
        var owner = InstancesApi.ServiceOf(instanceId);
        return owner.Length == 0 || string.Equals(owner, service, StringComparison.Ordinal)
            ? null
            : Refuse(OwnServicesRule, field,
                $"The instance '{instanceId}' is one of '{owner}', not of '{service}': the credential '{caller.Name}' may reach only its own services' instances.");
    }

    private static string? SourceOf(IPAddress? source) =>
        source is null ? null : (source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source).ToString();

    private static IResult Refuse(string rule, string field, string detail)
    {
        RejectedRequests.Count("forbidden_scope");
        return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden", detail,
            new Dictionary<string, object?> { ["rule"] = rule, ["field"] = field });
    }
}
