using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PretixOps.Contracts;

namespace PretixOps.Opsctl.Control;

/// <summary>
/// The services' own HTTP interfaces, with the bearer token: the Scaler's status, controls and decision record, and
/// Registration's registry. Every failure becomes an <see cref="OpsctlException"/> of one line built from the answer's
/// problem details (RFC 9457), the one error format of every PretixOps endpoint.
/// </summary>
public sealed partial class ControlPlane(OpsctlSettings settings) : IDisposable
{
    private const string TheScaler = "the Scaler";

    /// <summary>A read is answered at once; anything slower is a service in trouble, and saying so beats hanging.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Request bodies leave out what is not set: the Scaler tells "no count" from "a count of 0" by absence.</summary>
    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    // Each request carries its own deadline: a scale waits as long as the operator asked the Scaler to wait.
    private readonly HttpClient _http = new(settings.Trust.Handler()) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary><c>GET /v1/services</c>: every service the policy names.</summary>
    public async Task<Answer<IReadOnlyList<ServiceStatus>>> ServicesAsync(CancellationToken cancellationToken) =>
        Typed<IReadOnlyList<ServiceStatus>>(await SendAsync(HttpMethod.Get, Scaler("v1/services"), null, TheScaler, ReadTimeout, cancellationToken),
            TheScaler);

    /// <summary><c>GET /v1/services/{name}</c>: one service; a name the policy does not hold is the Scaler's 404, in its words.</summary>
    public async Task<Answer<ServiceStatus>> ServiceAsync(string service, CancellationToken cancellationToken) =>
        Typed<ServiceStatus>(await SendAsync(HttpMethod.Get, Scaler(ServicePath(service)), null, TheScaler, ReadTimeout, cancellationToken),
            TheScaler);

    /// <summary>Holds the service, optionally at a replica count; the Scaler records who paused it and why.</summary>
    public Task<Answer<ServiceStatus>> PauseAsync(string service, string reason, int? replicas, CancellationToken cancellationToken) =>
        ControlAsync(service, "pause", new PauseBody(reason, replicas), cancellationToken);

    public Task<Answer<ServiceStatus>> ResumeAsync(string service, string reason, CancellationToken cancellationToken) =>
        ControlAsync(service, "resume", new ResumeBody(reason), cancellationToken);

    /// <summary>In dry run the Scaler records what it would do and touches nothing.</summary>
    public Task<Answer<ServiceStatus>> DryRunAsync(string service, bool enabled, string reason, CancellationToken cancellationToken) =>
        ControlAsync(service, "dry-run", new DryRunBody(reason, enabled), cancellationToken);

    /// <summary>
    /// <c>POST /v1/services/{name}/scale?wait=N</c>: the Scaler takes the request, its leader decides it within the policy,
    /// and the answer is the recorded decision (200), or only the request's id (202) when no decision came within
    /// <paramref name="waitSeconds"/>. Exactly one of <paramref name="replicas"/> and <paramref name="delta"/> is set.
    /// </summary>
    public async Task<ScaleAnswer> ScaleAsync(string service, int? replicas, int? delta, string reason, int waitSeconds,
        CancellationToken cancellationToken)
    {
        var url = Scaler($"{ServicePath(service)}/scale?wait={waitSeconds.ToString(CultureInfo.InvariantCulture)}");
        // The Scaler holds the request open for the wait; the deadline is that and a read's allowance on top.
        var reply = await SendAsync(HttpMethod.Post, url, new ScaleBody(reason, replicas, delta), TheScaler,
            TimeSpan.FromSeconds(waitSeconds) + ReadTimeout, cancellationToken);
        return reply.Status == HttpStatusCode.Accepted
            ? new ScaleAnswer(null, Typed<ScaleRequestTaken>(reply, TheScaler))
            : new ScaleAnswer(Typed<RecordedDecision>(reply, TheScaler), null);
    }

    /// <summary>
    /// <c>GET /v1/decisions</c>, newest first. One page, or with <paramref name="allPages"/> every page, following the
    /// <c>Link: &lt;…&gt;; rel="next"</c> the Scaler puts on each full page.
    /// </summary>
    public async Task<DecisionPage> DecisionsAsync(DecisionFilter filter, bool allPages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new List<string>();
        if (filter.Service is not null)
        {
            query.Add($"service={Uri.EscapeDataString(filter.Service)}");
        }
        if (filter.Since is { } since)
        {
            query.Add($"since={Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture))}");
        }
        if (filter.Outcome is { } outcome)
        {
            query.Add($"outcome={outcome}");
        }
        if (filter.Limit is { } limit)
        {
            query.Add($"limit={limit.ToString(CultureInfo.InvariantCulture)}");
        }
        var url = Scaler("v1/decisions" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        var decisions = new List<Answer<RecordedDecision>>();
        var read = new HashSet<Uri>();
        while (true)
        {
            read.Add(url);
            var reply = await SendAsync(HttpMethod.Get, url, null, TheScaler, ReadTimeout, cancellationToken);
            if (reply.Body.ValueKind != JsonValueKind.Array)
            {
                throw new OpsctlException($"{TheScaler} answered {url.AbsolutePath} with {reply.Body.ValueKind}, not a list of decisions.");
            }
            decisions.AddRange(reply.Body.EnumerateArray().Select(element => new Answer<RecordedDecision>(Read<RecordedDecision>(element, TheScaler), element)));
            if (reply.Next is null || !allPages)
            {
                return new DecisionPage(decisions, reply.Next is not null);
            }
            if (!read.Add(reply.Next))
            {
                throw new OpsctlException($"{TheScaler}'s next page ({reply.Next.PathAndQuery}) is one already read: stopped rather than loop.");
            }
            url = reply.Next;
        }
    }

    public async Task<IReadOnlyList<ListedInstance>> InstancesAsync(string? service, string? job, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add($"service={Uri.EscapeDataString(service)}");
        }
        if (job is not null)
        {
            query.Add($"job={Uri.EscapeDataString(job)}");
        }
        var url = new Uri(settings.Registration, "v1/instances" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        return Typed<List<ListedInstance>>(await SendAsync(HttpMethod.Get, url, null, "Registration", ReadTimeout, cancellationToken), "Registration").Value;
    }

    public void Dispose() => _http.Dispose();

    private sealed record PauseBody(string Reason, int? Replicas);

    private sealed record ResumeBody(string Reason);

    private sealed record DryRunBody(string Reason, bool Enabled);

    private sealed record ScaleBody(string Reason, int? Replicas, int? Delta);

    /// <summary>RFC 9457 problem details; <see cref="Errors"/> is ASP.NET's validation map, field to messages.</summary>
    private sealed record Problem(string? Title, string? Detail, IReadOnlyDictionary<string, string[]>? Errors);

    /// <summary>A 2xx answer: its status, its JSON body, and the next page when the answer is one.</summary>
    private sealed record Reply(HttpStatusCode Status, JsonElement Body, Uri? Next);

    private async Task<Answer<ServiceStatus>> ControlAsync(string service, string control, object body, CancellationToken cancellationToken) =>
        Typed<ServiceStatus>(await SendAsync(HttpMethod.Post, Scaler($"{ServicePath(service)}/{control}"), body, TheScaler, ReadTimeout,
            cancellationToken), TheScaler);

    private Uri Scaler(string path) => new(settings.Scaler, path);

    private static string ServicePath(string service) => $"v1/services/{Uri.EscapeDataString(service)}";

    /// <summary>Sends one request with the token and a deadline; anything but a 2xx with a JSON body is one readable line.</summary>
    private async Task<Reply> SendAsync(HttpMethod method, Uri url, object? body, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        if (settings.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Body);
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var origin = url.GetLeftPart(UriPartial.Authority);
        try
        {
            using var response = await _http.SendAsync(request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(response.StatusCode, await response.Content.ReadAsStringAsync(deadline.Token), name, url);
            }
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(Json, deadline.Token);
            return new Reply(response.StatusCode, json, NextPage(response, url));
        }
        catch (HttpRequestException e)
        {
            throw new OpsctlException($"{name} at {origin} did not answer: {settings.Trust.Describe(e)}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OpsctlException($"{name} at {origin} did not answer within {timeout.TotalSeconds:N0} s.", e);
        }
        catch (JsonException e)
        {
            throw new OpsctlException($"{name} answered {url.AbsolutePath} with a body that is not JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// What went wrong, in the service's own words (the problem's <c>detail</c>, or for a 400 each field and what is wrong
    /// with it), with what the operator can do about it where opsctl knows.
    /// </summary>
    private OpsctlException Failure(HttpStatusCode status, string text, string name, Uri url)
    {
        var problem = ProblemOf(text);
        var said = problem?.Detail ?? problem?.Title ?? (text.Length > 0 ? Truncate(text) : $"no detail for {url.AbsolutePath}");
        return new OpsctlException(status switch
        {
            HttpStatusCode.Unauthorized when settings.Token is null => $"{name} wants a bearer token (401): set --token-file or OPSCTL_TOKEN.",
            HttpStatusCode.Unauthorized => $"{name} refused the token (401): {said} Check --token-file or OPSCTL_TOKEN.",
            HttpStatusCode.Forbidden => $"{name} refused (403): {said}",
            HttpStatusCode.BadRequest when problem?.Errors is { Count: > 0 } errors =>
                $"{name} refused the request (400): " + string.Join(" ", errors.Select(e => $"{e.Key} {string.Join(" ", e.Value)}")),
            HttpStatusCode.NotFound when problem?.Detail is not null => problem.Detail,
            _ => $"{name} answered {(int)status}: {said}",
        });
    }

    private static Problem? ProblemOf(string text)
    {
        if (!text.TrimStart().StartsWith('{'))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Problem>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The <c>rel="next"</c> target of a <c>Link</c> header (RFC 8288), resolved against the request. It must stay on the
    /// service's own origin: the bearer token goes with every page.
    /// </summary>
    private static Uri? NextPage(HttpResponseMessage response, Uri url)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }
        foreach (Match link in values.SelectMany(v => LinkPattern().Matches(v)))
        {
            if (!link.Groups["rel"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("next", StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            var next = new Uri(url, link.Groups["target"].Value);
            return Uri.Compare(next, url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
                ? next
                : throw new OpsctlException($"the next page is on another host ({next.GetLeftPart(UriPartial.Authority)}): not followed, the token would go with it.");
        }
        return null;
    }

    private static Answer<T> Typed<T>(Reply reply, string name) => new(Read<T>(reply.Body, name), reply.Body);

    private static T Read<T>(JsonElement element, string name)
    {
        try
        {
            return element.Deserialize<T>(Json) ?? throw new OpsctlException($"{name} answered null.");
        }
        catch (JsonException e)
        {
            throw new OpsctlException($"{name} answered JSON of another shape than this opsctl knows ({e.Path}): is one of them older?", e);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex("""<(?<target>[^>]*)>[^,]*?;\s*rel\s*=\s*(?:"(?<rel>[^"]*)"|(?<rel>[^\s;,]+))""")]
    private static partial Regex LinkPattern();
}
