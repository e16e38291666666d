using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

/// <summary>
/// Every refusal of a registration by scope, from 10.1.2.3: another service than the credential's, an address
/// other than the caller's, a node the swarm does not have, a credential without the role; and the rotation's two
/// tokens both registering.
/// </summary>
public sealed class RegistrationScopeTests : IAsyncLifetime
{
    private const string Web = "web-token-0123456789abcdef";
    private const string WebNext = "web-next-token-0123456789abcdef";
    private const string Anywhere = "anywhere-token-0123456789abcdef";
    private const string Reader = "reader-token-0123456789abcdef";

    private readonly FakeSwarmNodes _nodes = new("node-1", "node-2");
    private readonly RegistrationHost _host;

    public RegistrationScopeTests()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        void Credential(int i, string name, string token, string[] roles, string[] services)
        {
            settings[$"Auth:Credentials:{i}:Name"] = name;
            settings[$"Auth:Credentials:{i}:Token"] = token;
            for (var r = 0; r < roles.Length; r++)
            {
                settings[$"Auth:Credentials:{i}:Roles:{r}"] = roles[r];
            }

            for (var s = 0; s < services.Length; s++)
            {
                settings[$"Auth:Credentials:{i}:Services:{s}"] = services[s];
            }
        }

        Credential(1, "pretix_web", Web, ["register"], ["pretix_web"]);
        Credential(2, "pretix_web", WebNext, ["register"], ["pretix_web"]);
        Credential(3, "pretix_pgpool", Anywhere, ["register", "register-any-address"], ["pretix_pgpool"]);
        Credential(4, "prometheus", Reader, ["read"], []);
        _host = new RegistrationHost(settings, IPAddress.Parse("10.1.2.3"),
            services: services => services.Replace(ServiceDescriptor.Singleton<ISwarmNodes>(_nodes)));
    }

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Both_tokens_of_a_rotation_register_the_credentials_own_service_at_the_callers_address()
    {
        var first = await RegisterAsync(Web, """{"service":"pretix_web","slot":1,"node":"node-1"}""");
        var second = await RegisterAsync(WebNext, """{"service":"pretix_web","slot":2,"address":"10.1.2.3"}""");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.Status, second.Status));
        Assert.True(await _host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_web.2"));
        Assert.Equal("10.1.2.3", _host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_web.1")
            .Single().Context.Message.Address);
    }

    [Fact]
    public async Task Another_service_is_403_naming_the_rule()
    {
        var (status, body) = await RegisterAsync(Web, """{"service":"pretix_pgpool","slot":1}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("register-own-services", body.GetProperty("rule").GetString());
        Assert.Equal("service", body.GetProperty("field").GetString());
        Assert.Contains("may register only its own services (pretix_web), not 'pretix_pgpool'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "pretix_pgpool").Any());
    }

    [Theory]
    [InlineData("10.9.9.9")]
    [InlineData("metadata.internal")]
    public async Task An_address_other_than_the_callers_is_403_naming_the_rule(string address)
    {
        var (status, body) = await RegisterAsync(Web, $$"""{"service":"pretix_web","slot":3,"address":"{{address}}"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("register-own-address", body.GetProperty("rule").GetString());
        Assert.Equal("address", body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task With_register_any_address_another_address_is_registered()
    {
        var (status, _) = await RegisterAsync(Anywhere, """{"service":"pretix_pgpool","slot":1,"address":"10.9.9.9"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(await _host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_pgpool.1" && m.Context.Message.Address == "10.9.9.9"));
    }

    [Fact]
    public async Task A_node_the_swarm_does_not_have_is_422_naming_the_field()
    {
        var (status, body) = await RegisterAsync(Web, """{"service":"pretix_web","slot":4,"node":"attacker-host"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("is not a node of the swarm", body.GetProperty("errors").GetProperty("node")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_cannot_be_checked_is_503_with_retry_after_not_accepted()
    {
        _nodes.Unreachable = true;

        using var client = _host.Client(Web);
        using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/v1/instances", UriKind.Relative),
            """{"service":"pretix_web","slot":5,"node":"node-1"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_web.5").Any());
    }

    [Theory]
    [InlineData(Reader, "The credential 'prometheus' does not have the role 'register'.")]
    [InlineData(RegistrationHost.SharedToken, "This takes a named credential with the role 'register'")]
    public async Task A_credential_without_the_role_register_is_403_naming_the_role(string token, string detail)
    {
        var (status, body) = await RegisterAsync(token, """{"service":"pretix_web","slot":6}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.StartsWith(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_id_that_is_another_services_slot_id_is_403_and_takes_over_nothing()
    {
        var (status, body) = await RegisterAsync(Web, """{"service":"pretix_web","taskId":"pretix_pgpool.1"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("register-own-services", body.GetProperty("rule").GetString());
        Assert.Equal("taskId", body.GetProperty("field").GetString());
        Assert.False(_host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.InstanceId == "pretix_pgpool.1").Any());
    }

    [Fact]
    public async Task Naming_its_own_service_does_not_let_a_credential_deregister_another_services_slot()
    {
        using var client = _host.Client(Web);

        using var response = await client.DeleteAsync(new Uri("/v1/instances/pretix_pgpool.1?service=pretix_web", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("register-own-services", body.RootElement.GetProperty("rule").GetString());
        Assert.Equal("instanceId", body.RootElement.GetProperty("field").GetString());
        Assert.False(_host.Harness.Published.Select<InstanceDeregistered>(m => m.Context.Message.InstanceId == "pretix_pgpool.1").Any());
    }

    [Fact]
    public async Task Deregistering_another_services_instance_is_403_and_its_own_is_accepted()
    {
        using var client = _host.Client(Web);

        using var other = await client.DeleteAsync(new Uri("/v1/instances/pretix_pgpool.1", UriKind.Relative));
        using var own = await client.DeleteAsync(new Uri("/v1/instances/pretix_web.1", UriKind.Relative));
        using var byTask = await client.DeleteAsync(new Uri("/v1/instances/abcdef123456", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        // A task id alone does not say whose it is.
        Assert.Equal(HttpStatusCode.Forbidden, byTask.StatusCode);
    }

    [Fact]
    public async Task A_register_credential_cannot_read_the_registry()
    {
        using var workload = _host.Client(Web);

        using var refused = await workload.GetAsync(new Uri("/v1/instances", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> RegisterAsync(string token, string json)
    {
        using var client = _host.Client(token);
        using var response = await InstancesApiTests.PostJsonAsync(client, new Uri("/v1/instances", UriKind.Relative), json);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
