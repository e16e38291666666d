using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// HTTPS for every endpoint of a service when <see cref="TlsOptions"/> names a certificate: Kestrel serves it on every
/// <c>https://</c> URL (the default URL becomes <c>https://+:PORT</c>) and picks up a renewed one without a restart
/// (<see cref="ServerCertificate"/>). Plain HTTP is then refused on any address but loopback: the network sees HTTPS only.
/// </summary>
public static class ServiceTls
{
    public static WebApplicationBuilder AddServiceTls(this WebApplicationBuilder builder, string urls)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(urls);

        var plain = ServiceUrls.PlainOffLoopback(urls);
        builder.Services.AddValidatedOptions<TlsOptions>(TlsOptions.Section)
            .Validate(tls => !tls.Enabled || plain is null,
                $"urls: {plain} is plain HTTP on a network address while {TlsOptions.Section}:{nameof(TlsOptions.CertificateFile)} is set; " +
                "use https:// (plain HTTP is allowed on loopback only).");
        builder.Services.AddSingleton(provider =>
        {
            var tls = provider.GetRequiredService<IOptions<TlsOptions>>().Value;
            return new ServerCertificate(tls.CertificateFile!, tls.KeyFile!, provider.GetRequiredService<ILogger<ServerCertificate>>());
        });
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IServiceProvider>((kestrel, provider) =>
        {
            if (provider.GetRequiredService<IOptions<TlsOptions>>().Value.Enabled)
            {
                var certificate = provider.GetRequiredService<ServerCertificate>();
                kestrel.ConfigureHttpsDefaults(https =>
                {
                    https.ServerCertificateSelector = (_, _) => certificate.Current;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                });
            }
        });
        return builder;
    }
}
