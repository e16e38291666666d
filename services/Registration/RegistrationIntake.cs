using System.Net;
using Microsoft.Extensions.Options;
using Prometheus;
using PretixOps.Contracts;
using PretixOps.Contracts.Rules;
using PretixOps.ServiceDefaults;

namespace PretixOps.Registration;

/// <summary>
/// Takes in a registration, whichever door it came through (<c>POST /v1/instances</c>, the report's <c>POST /service</c>,
/// the <c>instance-registrations</c> queue): checks it with the message's rules, publishes the
/// <see cref="InstanceRegistered"/> with the broker's confirm, and counts the outcome by door. A door only maps its
/// input to a <see cref="RegisterInstance"/>, and the <see cref="Outcome"/> to its own answer.
/// </summary>
public sealed class RegistrationIntake(
    ConfirmedPublisher publisher, ISwarmNodes nodes, IOptions<RegistrationOptions> options, ILogger<RegistrationIntake> logger)
{
    /// <summary>The largest body an HTTP door reads.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>Every publish of Registration's, timed by its <see cref="ConfirmedPublisher"/>.</summary>
    internal static readonly Histogram PublishSeconds = ConfirmedPublisher.LatencyHistogram(
        "pretixops_registration_publish_seconds", "Time from publish to the broker's confirm.");

    private static readonly Counter Outcomes = Metrics.CreateCounter(
        "pretixops_registrations_total", "Registration requests by path and result.", "path", "result");

    public enum Result
    {
        /// <summary>Published, and the broker confirmed it: nothing accepted is lost.</summary>
        Accepted,

        /// <summary>Refused by the rules; <see cref="Outcome.Errors"/> names each bad field.</summary>
        Rejected,

        /// <summary>Valid, but the broker did not confirm it in time: not accepted, to be sent again.</summary>
        Unavailable,

        /// <summary>Its <c>node</c> is not one of the swarm's nodes; <see cref="Outcome.Errors"/> names the field.</summary>
        UnknownNode,

        /// <summary>Its <c>node</c> could not be checked: the Docker API did not answer. Not accepted, to be sent again.</summary>
        NodesUnreadable,
    }

    public sealed record Outcome(Result Result, InstanceRegistered? Registration, IReadOnlyDictionary<string, string[]> Errors);

    /// <summary>Counts a request a door refused before it held a registration (a body that is not JSON, a forbidden network).</summary>
    public static void CountRejected(string door) => Outcomes.WithLabels(door, "rejected").Inc();

    /// <summary><paramref name="caller"/> is the address used when the request names none; null over AMQP, where there is none.</summary>
    public async Task<Outcome> AcceptAsync(RegisterInstance request, IPAddress? caller, string door, CancellationToken cancellationToken)
    {
        var checkedRequest = RegisterInstanceRules.Validate(request, caller, options.Value.DefaultTtlSeconds);
        if (checkedRequest.Registration is not { } registration)
        {
            CountRejected(door);
            return new Outcome(Result.Rejected, null, checkedRequest.Errors);
        }

        if (registration.Node is { } node && nodes.Checks)
        {
            bool known;
            try
            {
                known = await nodes.IsKnownAsync(node, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or Docker.DotNet.DockerApiException or IOException or TimeoutException)
            {
                logger.LogWarning("The swarm's node list could not be read to check {Node}: {Error}", node, ex.Message);
                Outcomes.WithLabels(door, "unavailable").Inc();
                return new Outcome(Result.NodesUnreadable, registration, checkedRequest.Errors);
            }

            if (!known)
            {
                CountRejected(door);
                return new Outcome(Result.UnknownNode, null, new Dictionary<string, string[]>
                {
                    ["node"] = [$"'{node}' is not a node of the swarm (Registration:DockerHost lists its nodes)."],
                });
            }
        }

        if (!await PublishAsync(registration, door, cancellationToken))
        {
            return new Outcome(Result.Unavailable, registration, checkedRequest.Errors);
        }

        // The first line of the registration's trace: DiscoveryWriter's write of the file continues it.
        logger.LogInformation("Accepted registration of {InstanceId} ({Service} on {Node}) through {Door}",
            registration.InstanceId, registration.Service, registration.Node, door);
        return new Outcome(Result.Accepted, registration, checkedRequest.Errors);
    }

    /// <summary>Publishes a deregistration its door checked with <see cref="InstanceDeregisteredRules"/>: true once confirmed.</summary>
    public Task<bool> WithdrawAsync(InstanceDeregistered message, string door, CancellationToken cancellationToken) =>
        PublishAsync(message, door, cancellationToken);

    private async Task<bool> PublishAsync(object message, string door, CancellationToken cancellationToken)
    {
        var confirmed = await publisher.TryPublishAsync([message], cancellationToken);
        Outcomes.WithLabels(door, confirmed ? "accepted" : "unavailable").Inc();
        return confirmed;
    }
}
