using System.Diagnostics;
using System.Net;
using System.Text;
using PretixOps.TestSupport;

namespace PretixOps.Integration.Tests;

/// <summary>
/// NuGet audit is on in Directory.Build.props and warnings are errors, so a package with a known vulnerability fails
/// the restore, and with it the build. The NuGet copy this machine reaches serves no vulnerability data (its service
/// index has no VulnerabilityInfo resource, so audit finds nothing to report), so the test serves a small advisory
/// feed of its own on loopback as the audit source, in NuGet's format, and restores a project that takes the
/// repository's build settings and references a package that feed names.
/// </summary>
public sealed class SupplyChainTests : IDisposable
{
    // A real advisory: Newtonsoft.Json before 13.0.1, improper handling of exceptional conditions (high).
    private const string Advisory = "https://github.com/advisories/GHSA-5crp-9r3c-p9vr";

    private readonly string _folder = Directory.CreateTempSubdirectory("pretixops-audit-").FullName;

    [Fact]
    public async Task A_package_with_a_known_vulnerability_fails_the_restore_and_a_fixed_version_passes()
    {
        using var feed = AdvisoryFeed.Start();

        var vulnerable = await RestoreAsync(feed, "12.0.1");
        Assert.True(vulnerable.ExitCode != 0, vulnerable.Output);
        Assert.Contains("error NU1903", vulnerable.Output, StringComparison.Ordinal);
        Assert.Contains($"Package 'Newtonsoft.Json' 12.0.1 has a known high severity vulnerability, {Advisory}", vulnerable.Output, StringComparison.Ordinal);

        var fixedVersion = await RestoreAsync(feed, "13.0.3");
        Assert.True(fixedVersion.ExitCode == 0, fixedVersion.Output);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(int ExitCode, string Output)> RestoreAsync(AdvisoryFeed feed, string version)
    {
        // The repository's own build settings (audit on, every level, warnings as errors), as every project gets them.
        File.Copy(RepositoryPaths.Combine("Directory.Build.props"), Path.Combine(_folder, "Directory.Build.props"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(_folder, "nuget.config"), $"""
            <configuration>
              <auditSources>
                <clear />
                <add key="advisories" value="{feed.Index}" allowInsecureConnections="true" />
              </auditSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(_folder, "Audited.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup><PackageReference Include="Newtonsoft.Json" Version="{version}" /></ItemGroup>
            </Project>
            """);
        if (Directory.Exists(Path.Combine(_folder, "obj")))
        {
            Directory.Delete(Path.Combine(_folder, "obj"), recursive: true);
        }

        var start = new ProcessStartInfo("dotnet", ["restore", "--nologo", "--force"])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>NuGet's vulnerability resource (a service index, a page list and one page), served on a loopback port.</summary>
    private sealed class AdvisoryFeed : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly string _base;

        private AdvisoryFeed(HttpListener listener, string @base)
        {
            _listener = listener;
            _base = @base;
            _ = ServeAsync();
        }

        public string Index => $"{_base}index.json";

        public static AdvisoryFeed Start()
        {
            var port = Ports.Free();
            var listener = new HttpListener();
            var @base = $"http://127.0.0.1:{port}/";
            listener.Prefixes.Add(@base);
            listener.Start();
            return new AdvisoryFeed(listener, @base);
        }

        public void Dispose() => _listener.Close();

        private string Document(string path) => path switch
        {
            "/index.json" => $$"""{"version":"3.0.0","resources":[{"@id":"{{_base}}vulnerabilities/index.json","@type":"VulnerabilityInfo/6.7.0"}]}""",
            "/vulnerabilities/index.json" => $$"""[{"@name":"base","@id":"{{_base}}vulnerabilities/base.json","@updated":"2026-11-01T00:00:00Z"}]""",
            "/vulnerabilities/base.json" => $$"""{"newtonsoft.json":[{"url":"{{Advisory}}","severity":2,"versions":"(, 13.0.1)"}]}""",
            _ => "",
        };

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var body = Encoding.UTF8.GetBytes(Document(context.Request.Url!.AbsolutePath));
                context.Response.StatusCode = body.Length == 0 ? 404 : 200;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
    }
}
