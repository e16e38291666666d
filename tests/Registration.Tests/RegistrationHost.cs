using System.Net;
using System.Net.Http.Headers;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PretixOps.TestSupport;

namespace PretixOps.Registration.Tests;

/// <summary>Registration's real <c>Program</c> with MassTransit's in-memory test harness as the bus.</summary>
public sealed class RegistrationHost : IAsyncLifetime
{
    public const string Token = ServiceHostContract<Program>.TestToken;

    /// <summary>A shared token (<c>Auth:Tokens</c>): it reads, and nothing else.</summary>
    public const string SharedToken = "shared-token-0123456789abcdef";

    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly IPAddress? _remoteAddress;
    private readonly Action<IBusRegistrationConfigurator>? _bus;
    private readonly Action<IServiceCollection>? _services;
    private WebApplicationFactory<Program> _factory = null!;

    public RegistrationHost()
        : this(new Dictionary<string, string>(StringComparer.Ordinal))
    {
    }

    /// <param name="remoteAddress">The caller address every request appears to come from; TestServer gives none.</param>
    /// <param name="bus">More for the test bus, such as a handler standing in for DiscoveryWriter.</param>
    /// <param name="services">Services replaced for the test, such as the swarm's node list.</param>
    internal RegistrationHost(
        IReadOnlyDictionary<string, string> settings, IPAddress? remoteAddress = null, Action<IBusRegistrationConfigurator>? bus = null,
        Action<IServiceCollection>? services = null)
    {
        _settings = settings;
        _remoteAddress = remoteAddress;
        _bus = bus;
        _services = services;
    }

    public ITestHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Messaging:Password", "not-a-real-secret");
            // The test token may register anything anywhere; RegistrationScopeTests hold narrower credentials to their scope.
            host.UseSetting("Auth:Credentials:0:Name", "test-all");
            host.UseSetting("Auth:Credentials:0:Token", Token);
            host.UseSetting("Auth:Credentials:0:Roles:0", "read");
            host.UseSetting("Auth:Credentials:0:Roles:1", "register");
            host.UseSetting("Auth:Credentials:0:Roles:2", "register-any-address");
            host.UseSetting("Auth:Credentials:0:Services:0", "*");
            host.UseSetting("Auth:Tokens:0", SharedToken);
            foreach (var (key, value) in _settings)
            {
                host.UseSetting(key, value);
            }

            host.ConfigureTestServices(services =>
            {
                services.AddMassTransitTestHarness(configurator => _bus?.Invoke(configurator));
                _services?.Invoke(services);
                if (_remoteAddress is not null)
                {
                    services.AddSingleton<IStartupFilter>(new RemoteAddressFilter(_remoteAddress));
                }
            });
        });

        // Creating a client starts the host; the harness then waits for the bus to run.
        _factory.CreateClient().Dispose();
        Harness = _factory.Services.GetTestHarness();
        await Harness.Start();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>A client sending the test token, or <paramref name="token"/>, or none when it is empty.</summary>
    public HttpClient Client(string? token = Token)
    {
        var client = _factory.CreateClient();
        if (!string.IsNullOrEmpty(token))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private sealed class RemoteAddressFilter(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
