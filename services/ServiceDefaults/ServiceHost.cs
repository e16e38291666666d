using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// The life of every PretixOps service: a bootstrap logger before anything can fail, the host built with
/// the shared defaults plus the service's own parts, and one place that turns a failure into an exit code.
/// </summary>
public static class ServiceHost
{
    /// <summary>sysexits.h EX_CONFIG: the service refused its configuration.</summary>
    public const int ConfigurationError = 78;

    /// <summary>
    /// <c>ConfigFile</c> (environment or <c>--ConfigFile</c>) names one more JSON file of settings, such as a
    /// Docker config mounted into the container. Settings from the environment and the command line still win.
    /// </summary>
    public static void AddConfigFile(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration["ConfigFile"] is { Length: > 0 } file)
        {
            var sources = builder.Configuration.Sources;
            var loaded = false;
            // Read again when it changes: the Scaler's policy takes a saved file at once (services that read their
            // settings once, at start, are unaffected).
            var json = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = Path.GetFullPath(file),
                Optional = false,
                ReloadOnChange = true,
                // A save caught half-written (or a typo) must not crash the service from the file watcher's thread:
                // the failure is kept for whoever reads the reloaded settings (ConfigFileReload), and refused there.
                OnLoadException = context =>
                {
                    if (loaded)
                    {
                        ConfigFileReload.Failed(context.Exception);
                        context.Ignore = true;
                    }
                },
            };
            json.ResolveFileProvider();
            // Before the environment and command line, so those still override the file.
            var position = sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource);
            // The configuration manager reads a source as it is added: a file that cannot be read stops the start here.
            sources.Insert(position < 0 ? sources.Count : position, json);
            loaded = true;
        }
    }

    public static async Task<int> RunAsync(
        string[] args,
        ServiceInfo service,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication>? map = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configure);

        if (args.Contains(HealthProbe.Flag, StringComparer.Ordinal))
        {
            return await HealthProbe.RunAsync(args, service);
        }

        Log.Logger = ServiceLogging.CreateBootstrapLogger(service);
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.AddConfigFile();
            builder.AddServiceDefaults(service);
            configure(builder);

            var app = builder.Build();
            app.MapServiceDefaults();
            map?.Invoke(app);

            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ConfigurationFailure.Describe(ex) is { } problem)
        {
            Log.Fatal("{Service:l} cannot start: invalid configuration: {Problem:l}", service.Name, problem);
            return ConfigurationError;
        }
        catch (Exception ex) when (ex is not HostAbortedException)
        {
            Log.Fatal(ex, "{Service:l} stopped unexpectedly", service.Name);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
