using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using PretixOps.Snmp;

namespace PretixOps.SnmpPoller.Polling;

/// <summary>One poll of one host with the host module: resolve, ask, interpret; a failure becomes a report, not an exception.</summary>
public sealed class HostPoller(ISnmpClient client, SnmpCredentials credentials, IOptions<SnmpPollerOptions> options, ILogger<HostPoller> logger)
{
    public async Task<PollReport> PollAsync(string? hostLabel, string address, int port, string auth, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = options.Value.MaxPollDuration;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            var endPoint = new IPEndPoint(await ResolveAsync(address, deadline.Token), port);
            var samples = await HostModule.PollAsync(client, credentials.For(auth, endPoint), deadline.Token);
            return new PollReport(hostLabel, true, Stopwatch.GetElapsedTime(started).TotalSeconds, samples, null, null, null, null);
        }
        catch (SnmpException e)
        {
            return Failed(e.Reason, e.Message);
        }
        catch (SocketException e)
        {
            return Failed("resolve", $"cannot resolve '{address}': {e.Message}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed("deadline", $"the poll of {address}:{port} took longer than MaxPollDuration ({limit}).");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A bug of ours must not stop the host's polling for good: it is logged, counted and tried again next time.
            logger.LogError(e, "Poll of {Address}:{Port} failed unexpectedly", address, port);
            return Failed("internal", $"internal error: {e.GetType().Name}: {e.Message}");
        }

        PollReport Failed(string reason, string error) =>
            new(hostLabel, false, Stopwatch.GetElapsedTime(started).TotalSeconds, [], error, reason, null, null);
    }

    /// <summary>An IP literal as it is; a name through DNS, IPv4 first (agents listen there by default).</summary>
    public static async Task<IPAddress> ResolveAsync(string address, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(address, out var literal))
        {
            return literal;
        }
        var addresses = await Dns.GetHostAddressesAsync(address, cancellationToken);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }
}
