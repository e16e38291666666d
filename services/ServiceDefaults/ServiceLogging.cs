using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// Compact JSON lines on stdout by default (what a log pipeline wants); a readable console when a developer
/// asks with <c>Log__Format=console</c>.
/// </summary>
public static class ServiceLogging
{
    public const string FormatKey = "Log:Format";
    private const string ConsoleTemplate =
        "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static Serilog.ILogger CreateBootstrapLogger(ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var readable = string.Equals(
            Environment.GetEnvironmentVariable("Log__Format"), "console", StringComparison.OrdinalIgnoreCase);
        return WriteTo(new LoggerConfiguration().Enrich.WithProperty("service", service.Name), readable)
            .CreateBootstrapLogger();
    }

    public static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration, ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(service);

        logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("service", service.Name)
            .Enrich.WithProperty("version", service.Version);
        var readable = string.Equals(configuration[FormatKey], "console", StringComparison.OrdinalIgnoreCase);
        return WriteTo(logger, readable);
    }

    private static LoggerConfiguration WriteTo(LoggerConfiguration logger, bool readable) =>
        readable
            ? logger.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            : logger.WriteTo.Console(new RenderedCompactJsonFormatter());
}
