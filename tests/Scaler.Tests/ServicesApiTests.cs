using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PretixOps.Contracts;
using PretixOps.Scaler.Journal;
using PretixOps.Scaler.Reconciliation;

namespace PretixOps.Scaler.Tests;

/// <summary>
/// The status and control API of the real <c>Program</c>, with the journal, the leader lock and Docker in memory: who
/// may do what (a shared token reads; a named credential with the role operate changes, and is named in the record),
/// problem details naming each bad field, and the decision record paged with a Link header.
/// </summary>
public sealed class ServicesApiTests : IAsyncLifetime
{
    private const string Shared = "shared-token-0123456789abcdef";
    private const string Operator = "alice-token-0123456789abcdef";
    private const string Reader = "bob-token-0123456789abcdef";
    private const string OperateOnly = "carol-token-0123456789abcdef";

    private readonly FakeSwarm _swarm = new FakeSwarm().With(ScalerRig.Web, 2);
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            host.UseSetting("Auth:Tokens:0", Shared);
            host.UseSetting("Auth:Credentials:0:Name", "alice");
            host.UseSetting("Auth:Credentials:0:Token", Operator);
            host.UseSetting("Auth:Credentials:0:Roles:0", "operate");
            host.UseSetting("Auth:Credentials:1:Name", "bob");
            host.UseSetting("Auth:Credentials:1:Token", Reader);
            host.UseSetting("Auth:Credentials:1:Roles:0", "read");
            host.UseSetting("Auth:Credentials:0:Roles:1", "read");
            host.UseSetting("Auth:Credentials:2:Name", "carol");
            host.UseSetting("Auth:Credentials:2:Token", OperateOnly);
            host.UseSetting("Auth:Credentials:2:Roles:0", "operate");
            host.UseSetting("Scaler:ReconcileInterval", "00:00:00.2");
            host.UseSetting($"Scaler:Services:{ScalerRig.Web}:Min", "2");
            host.UseSetting($"Scaler:Services:{ScalerRig.Web}:Max", "5");
            host.ConfigureTestServices(services =>
            {
                services.AddMassTransitTestHarness();
                services.RemoveAll<IJournal>();
                services.RemoveAll<ILeadership>();
                services.RemoveAll<ISwarm>();
                services.AddSingleton<InMemoryJournal>(sp => new InMemoryJournal(sp.GetRequiredService<ControllerState>()));
                services.AddSingleton<IJournal>(sp => sp.GetRequiredService<InMemoryJournal>());
                services.AddSingleton<ILeadership>(sp => FixedLeadership.ElectAsync(sp.GetRequiredService<IJournal>()).GetAwaiter().GetResult());
                services.AddSingleton<ISwarm>(_swarm);
            });
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Status_needs_a_token_and_says_what_the_controller_sees()
    {
        using var anonymous = _factory.CreateClient();
        using var refused = await anonymous.GetAsync(new Uri("/v1/services", UriKind.Relative));
        var status = await Client(Shared).GetFromJsonAsync<List<ServiceStatus>>(new Uri("/v1/services", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var web = Assert.Single(status!);
        Assert.Equal((ScalerRig.Web, 2, 2, 5, false), (web.Service, web.Current, web.Min, web.Max, web.Controls.Paused));
        Assert.True(web.Docker.Up);
    }

    [Fact]
    public async Task A_pause_by_a_named_operator_is_recorded_with_the_credentials_name()
    {
        using var response = await Client(Operator).PostAsJsonAsync(Path("pause"), new { reason = "ticket sale at noon", replicas = 3 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<ServiceStatus>();
        Assert.Equal((true, 3, "alice", "ticket sale at noon"), (status!.Controls.Paused, status.Controls.PausedAt, status.Controls.By, status.Controls.Reason));
        Assert.Equal(3, await Eventually(() => _swarm.Replicas(ScalerRig.Web), n => n == 3));
    }

    [Theory]
    [InlineData(Shared, "a named credential with the role 'operate'")]
    [InlineData(Reader, "The credential 'bob' does not have the role 'operate'.")]
    public async Task A_control_without_the_operate_role_is_forbidden_naming_why(string token, string detail)
    {
        using var response = await Client(token).PostAsJsonAsync(Path("resume"), new { reason = "let me" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pause", "{\"replicas\":3}", "reason")]
    [InlineData("pause", "{\"reason\":\"x\",\"replicas\":9}", "replicas")]
    [InlineData("dry-run", "{\"reason\":\"x\"}", "enabled")]
    [InlineData("scale", "{\"reason\":\"x\"}", "replicas")]
    [InlineData("scale", "{\"reason\":\"x\",\"replicas\":\"three\"}", "replicas")]
    [InlineData("resume", "{\"reason\":\"line\\nbreak\"}", "reason")]
    public async Task A_bad_control_is_a_problem_naming_the_field(string action, string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await Client(Operator).PostAsync(Path(action), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task Reading_takes_the_role_read_which_operate_alone_does_not_give()
    {
        using var decisions = await Client(OperateOnly).GetAsync(new Uri("/v1/decisions", UriKind.Relative));
        using var status = await Client(OperateOnly).GetAsync(new Uri("/v1/services", UriKind.Relative));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (decisions.StatusCode, status.StatusCode));
        Assert.Contains("The credential 'carol' does not have the role 'read'.", await decisions.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_the_policy_does_not_name_is_not_found()
    {
        using var response = await Client(Operator).PostAsJsonAsync(new Uri("/v1/services/pretix_db/pause", UriKind.Relative), new { reason = "x" });
        using var status = await Client(Shared).GetAsync(new Uri("/v1/services/pretix_db", UriKind.Relative));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (response.StatusCode, status.StatusCode));
        Assert.Contains("pretix_db is not under Scaler:Services", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_answers_the_decision_it_led_to_named_after_the_credential()
    {
        using var response = await Client(Operator).PostAsJsonAsync(Path("scale"), new { reason = "sale", delta = 2 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = await response.Content.ReadFromJsonAsync<RecordedDecision>();
        Assert.Equal((ScaleOutcome.Applied, 2, 4, "operator:alice"), (decision!.Outcome, decision.From, decision.To, decision.Trigger));
        Assert.Equal(4, _swarm.Replicas(ScalerRig.Web));
    }

    [Fact]
    public async Task A_scale_request_from_the_bus_is_recorded_as_the_senders_unverified_word_not_as_a_credential()
    {
        Client(Operator).Dispose();
        var harness = _factory.Services.GetRequiredService<MassTransit.Testing.ITestHarness>();
        await harness.Start();
        var id = NewId.NextGuid();

        await harness.Bus.Publish(new ScaleService(ScalerRig.Web, Replicas: null, Delta: 1, "sale", "alice"), context => context.MessageId = id);

        var state = _factory.Services.GetRequiredService<ControllerState>();
        var decision = await TestSupport.Eventually.ValueAsync(() => Task.FromResult(state.DecisionFor($"operator:{id}")), d => d is not null);
        Assert.Equal("operator:bus:alice?", decision!.Decision.Trigger);
    }

    [Fact]
    public async Task Decisions_come_a_page_at_a_time_with_a_link_to_the_next()
    {
        var client = Client(Operator);
        foreach (var delta in new[] { 1, 1, -1 })
        {
            using var scaled = await client.PostAsJsonAsync(Path("scale"), new { reason = "paging", delta });
            Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        }

        using var first = await client.GetAsync(new Uri($"/v1/decisions?service={ScalerRig.Web}&limit=2", UriKind.Relative));
        var page = await first.Content.ReadFromJsonAsync<List<RecordedDecision>>();
        var next = first.Headers.GetValues("Link").Single();
        var url = next[(next.IndexOf('<', StringComparison.Ordinal) + 1)..next.IndexOf('>', StringComparison.Ordinal)];
        var rest = await client.GetFromJsonAsync<List<RecordedDecision>>(new Uri(url, UriKind.Relative));
        using var bad = await client.GetAsync(new Uri("/v1/decisions?limit=0", UriKind.Relative));

        Assert.Equal([(4, 3), (3, 4)], page!.Select(d => (d.From, d.To)));
        Assert.EndsWith("rel=\"next\"", next, StringComparison.Ordinal);
        Assert.Equal([(2, 3)], rest!.Select(d => (d.From, d.To)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Theory]
    [InlineData("/v1/decisions?since=yesterday", "since")]
    [InlineData("/v1/decisions?limit=many", "limit")]
    [InlineData("/v1/decisions?before=-1", "before")]
    [InlineData("/v1/decisions?outcome=Sideways", "outcome")]
    public async Task A_bad_query_parameter_is_a_problem_naming_it(string path, string field)
    {
        using var response = await Client(Shared).GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    private HttpClient Client(string token)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Uri Path(string action) => new($"/v1/services/{ScalerRig.Web}/{action}", UriKind.Relative);

    private static async Task<int> Eventually(Func<int> probe, Func<int, bool> done) =>
        await TestSupport.Eventually.ValueAsync(() => Task.FromResult(probe()), done);
}
