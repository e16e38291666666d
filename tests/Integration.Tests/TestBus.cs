using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PretixOps.ServiceDefaults;

namespace PretixOps.Integration.Tests;

/// <summary>A host with a bus configured exactly as the services configure theirs, on the local broker.</summary>
internal static class TestBus
{
    public static IHost Build(string name, Action<IBusRegistrationConfigurator>? configure, params object[] singletons) =>
        BuildWith(name, new Dictionary<string, string?>(), configure, singletons);

    /// <summary>As <see cref="Build"/>, with settings of the <c>Messaging</c> section changed (RetryLimit, say).</summary>
    public static IHost BuildWith(string name, IReadOnlyDictionary<string, string?> messaging, Action<IBusRegistrationConfigurator>? configure,
        params object[] singletons)
    {
        var builder = Host.CreateApplicationBuilder();
        var settings = Infrastructure.MessagingEnvironment()
            .ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in messaging)
        {
            settings[$"Messaging:{key}"] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(new ServiceInfo(name, DefaultPort: 0));
        foreach (var singleton in singletons)
        {
            builder.Services.AddSingleton(singleton.GetType(), singleton);
        }

        builder.AddMessaging(configure);
        return builder.Build();
    }
}
