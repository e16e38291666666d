using System.Net;
using System.Text;
using System.Text.Json;
using MassTransit.Testing;
using PretixOps.Contracts;

namespace PretixOps.Registration.Tests;

public sealed class InstancesApiTests(RegistrationHost host) : IClassFixture<RegistrationHost>
{
    private static readonly Uri Instances = new("/v1/instances", UriKind.Relative);

    [Fact]
    public async Task A_valid_registration_is_accepted_with_its_instance_id_and_expiry_and_published_normalised()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances, """
            {
              "service": "api_valid",
              "slot": 3,
              "taskId": "x8k2m9q4r7",
              "node": "node-1",
              "address": "10.0.0.5",
              "exporters": [
                { "job": "pretix", "port": 9100 },
                { "job": "pretix_probe", "port": 8443, "path": "/probe", "scheme": "https", "labels": { "team": "ops" } }
              ],
              "labels": { "env": "prod" },
              "ttlSeconds": 30
            }
            """);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/v1/instances/api_valid.3", response.Headers.Location?.OriginalString);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("api_valid.3", body.RootElement.GetProperty("instanceId").GetString());

        Assert.True(await host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.Service == "api_valid"));
        var published = Assert.Single(host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "api_valid"));
        var registration = published.Context.Message;
        Assert.Equal("api_valid.3", registration.InstanceId);
        Assert.Equal(3, registration.Slot);
        Assert.Equal("x8k2m9q4r7", registration.TaskId);
        Assert.Equal("node-1", registration.Node);
        Assert.Equal("10.0.0.5", registration.Address);
        Assert.Equal(30, registration.TtlSeconds);
        Assert.Equal("prod", Assert.Single(registration.Labels).Value);
        Assert.Collection(
            registration.Exporters,
            e => Assert.Equal(("pretix", 9100, "/metrics", "http", 0), (e.Job, e.Port, e.Path, e.Scheme, e.Labels.Count)),
            e => Assert.Equal(("pretix_probe", 8443, "/probe", "https", "ops"), (e.Job, e.Port, e.Path, e.Scheme, e.Labels["team"])));
        Assert.Equal(registration.RegisteredAt.AddSeconds(30), body.RootElement.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_registration_without_ttl_expires_after_the_default_90_seconds()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"service":"api_default_ttl","slot":1,"address":"10.0.0.6","exporters":[{"job":"pretix","port":9100}]}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.Service == "api_default_ttl"));
        var registration = host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "api_default_ttl")
            .Single().Context.Message;
        Assert.Equal(90, registration.TtlSeconds);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(registration.RegisteredAt.AddSeconds(90), body.RootElement.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_registration_that_never_expires_answers_a_null_expiry()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"service":"api_forever","taskId":"t0forever","address":"10.0.0.7","ttlSeconds":0}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("t0forever", body.RootElement.GetProperty("instanceId").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("expiresAt").ValueKind);
    }

    [Fact]
    public async Task Field_names_are_read_case_insensitively()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"Service":"api_pascal","SLOT":2,"Address":"10.0.0.8"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await host.Harness.Published.Any<InstanceRegistered>(m => m.Context.Message.InstanceId == "api_pascal.2"));
    }

    [Fact]
    public async Task A_registration_without_address_is_refused_when_the_caller_has_none()
    {
        // TestServer requests carry no remote address, so there is nothing to fall back on.
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances, """{"service":"api_no_address","slot":1}""");

        await AssertValidationProblemAsync(response, "address");
    }

    [Fact]
    public async Task An_invalid_registration_is_refused_naming_every_wrong_field_and_nothing_is_published()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"service":"../etc","slot":-1,"address":"10.0.0.5","exporters":[{"job":"pretix","port":0,"scheme":"ftp"}],"labels":{"job":"x"}}""");

        var errors = await AssertValidationProblemAsync(response, "service", "slot", "exporters[0].port", "exporters[0].scheme", "labels.job");
        Assert.Equal(5, errors.Count);
        Assert.False(host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "../etc").Any());
    }

    [Fact]
    public async Task A_request_without_token_is_unauthorized_with_a_bearer_challenge()
    {
        using var client = host.Client(token: null);

        using var response = await PostJsonAsync(client, Instances, """{"service":"api_no_token","slot":1,"address":"10.0.0.5"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "api_no_token").Any());
    }

    [Fact]
    public async Task A_request_with_a_wrong_token_is_unauthorized()
    {
        using var client = host.Client("wrong-token-0123456789abcdef");

        using var response = await PostJsonAsync(client, Instances, """{"service":"api_wrong_token","slot":1,"address":"10.0.0.5"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_in_another_scheme_is_unauthorized()
    {
        using var client = host.Client(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri("/v1/instances/pretix_web.3", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Authorization", "Basic " + RegistrationHost.Token);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_delete_without_token_is_unauthorized()
    {
        using var client = host.Client(token: null);

        using var response = await client.DeleteAsync(new Uri("/v1/instances/pretix_web.3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_too_large()
    {
        using var client = host.Client();
        var body = """{"service":"api_too_large","slot":1,"address":"10.0.0.5","labels":{"big":""" + "\"" + new string('x', 64 * 1024) + "\"}}";

        using var response = await PostJsonAsync(client, Instances, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_chunked_body_over_64_KiB_is_too_large_too()
    {
        using var client = host.Client();
        var body = """{"service":"api_chunked","slot":1,"address":"10.0.0.5","labels":{"big":""" + "\"" + new string('x', 64 * 1024) + "\"}}";
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes(body));

        using var response = await client.PostAsync(Instances, content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(host.Harness.Published.Select<InstanceRegistered>(m => m.Context.Message.Service == "api_chunked").Any());
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_read()
    {
        using var client = host.Client();
        var start = """{"service":"api_64k","slot":1,"address":"10.0.0.5","pad":""" + "\"";
        var body = start + new string('x', 64 * 1024 - start.Length - 2) + "\"}";

        using var response = await PostJsonAsync(client, Instances, body);

        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_an_unsupported_media_type()
    {
        using var client = host.Client();
        using var content = new StringContent("""{"service":"api_text","slot":1,"address":"10.0.0.5"}""", Encoding.UTF8, "text/plain");

        using var response = await client.PostAsync(Instances, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Malformed_json_is_refused_naming_where_it_broke()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances, """{"service":"api_malformed","slot":""");

        await AssertValidationProblemAsync(response, "slot");
    }

    [Fact]
    public async Task A_body_that_is_not_json_at_all_is_refused_naming_the_root()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances, "service=pretix_web");

        await AssertValidationProblemAsync(response, "$");
    }

    [Fact]
    public async Task A_json_null_body_is_refused_naming_the_root()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances, "null");

        await AssertValidationProblemAsync(response, "$");
    }

    [Fact]
    public async Task A_port_given_as_a_string_is_refused_naming_the_port()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"service":"api_port_string","slot":1,"address":"10.0.0.5","exporters":[{"job":"pretix","port":"abc"}]}""");

        await AssertValidationProblemAsync(response, "exporters[0].port");
    }

    [Fact]
    public async Task A_numeric_port_in_a_string_is_refused_too()
    {
        using var client = host.Client();

        using var response = await PostJsonAsync(client, Instances,
            """{"service":"api_port_quoted","slot":1,"address":"10.0.0.5","exporters":[{"job":"pretix","port":"9100"}]}""");

        await AssertValidationProblemAsync(response, "exporters[0].port");
    }

    [Fact]
    public async Task A_delete_by_service_and_slot_is_accepted_and_published_as_explicit()
    {
        using var client = host.Client();

        using var response = await client.DeleteAsync(new Uri("/v1/instances/pretix_web.3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await host.Harness.Published.Any<InstanceDeregistered>(m => m.Context.Message.InstanceId == "pretix_web.3"));
        var message = host.Harness.Published.Select<InstanceDeregistered>(m => m.Context.Message.InstanceId == "pretix_web.3")
            .First().Context.Message;
        Assert.Equal("pretix_web", message.Service);
        Assert.Equal(DeregistrationReason.Explicit, message.Reason);
    }

    [Fact]
    public async Task A_delete_by_task_id_names_the_service_given_in_the_query()
    {
        using var client = host.Client();

        using var response = await client.DeleteAsync(new Uri("/v1/instances/x8k2m9q4r7?service=pretix_worker", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await host.Harness.Published.Any<InstanceDeregistered>(m => m.Context.Message.InstanceId == "x8k2m9q4r7"));
        var message = host.Harness.Published.Select<InstanceDeregistered>(m => m.Context.Message.InstanceId == "x8k2m9q4r7")
            .First().Context.Message;
        Assert.Equal("pretix_worker", message.Service);
        Assert.Equal(DeregistrationReason.Explicit, message.Reason);
    }

    [Fact]
    public async Task A_delete_of_an_invalid_instance_id_is_refused_naming_it()
    {
        using var client = host.Client();

        using var response = await client.DeleteAsync(new Uri("/v1/instances/.hidden", UriKind.Relative));

        await AssertValidationProblemAsync(response, "instanceId");
    }

    [Fact]
    public async Task A_delete_with_an_invalid_service_is_refused_naming_it()
    {
        using var client = host.Client();

        using var response = await client.DeleteAsync(new Uri("/v1/instances/pretix_web.3?service=a%2Fb", UriKind.Relative));

        await AssertValidationProblemAsync(response, "service");
    }

    [Fact]
    public async Task The_report_format_is_forbidden_from_a_caller_outside_the_loopback_default()
    {
        // TestServer requests carry no remote address, which is in no network.
        using var client = host.Client(token: null);

        using var response = await PostJsonAsync(client, new Uri("/service", UriKind.Relative), """{"service":"pretix_web.3"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    internal static async Task<HttpResponseMessage> PostJsonAsync(HttpClient client, Uri path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(path, content);
    }

    /// <summary>Asserts a 400 problem whose <c>errors</c> name at least <paramref name="fields"/>; returns all named fields.</summary>
    internal static async Task<IReadOnlyList<string>> AssertValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(400, body.RootElement.GetProperty("status").GetInt32());
        var named = body.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var field in fields)
        {
            Assert.Contains(field, named);
        }

        return named;
    }

    /// <summary>A JSON body sent without Content-Length.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
