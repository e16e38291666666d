using PretixOps.ServiceDefaults;

namespace PretixOps.Scaler.Notifications;

/// <summary>
/// The <c>Scaler:Notifications</c> section: chat webhooks told of applied, waiting and failed decisions. Webhook
/// URLs carry their own secret, so they come from the environment or from files, one a line, and only
/// their host is ever logged.
/// </summary>
public sealed class NotificationOptions
{
    public List<string> TeamsUrls { get; set; } = [];
    public string? TeamsUrlsFile { get; set; }
    public List<string> SlackUrls { get; set; } = [];
    public string? SlackUrlsFile { get; set; }

    public IReadOnlyList<Uri> Teams() => Read(TeamsUrls, TeamsUrlsFile);

    public IReadOnlyList<Uri> Slack() => Read(SlackUrls, SlackUrlsFile);

    public IEnumerable<string> Problems()
    {
        foreach (var (name, urls, file) in new[] { ("TeamsUrls", TeamsUrls, TeamsUrlsFile), ("SlackUrls", SlackUrls, SlackUrlsFile) })
        {
            if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
            {
                yield return $"Notifications:{name}File names a file that does not exist: {file}";
            }
            else if (Secrets.ReadList(urls, file).Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            {
                yield return $"Notifications:{name} must hold absolute http(s) URLs.";
            }
        }
    }

    private static Uri[] Read(IEnumerable<string> urls, string? file) => [.. Secrets.ReadList(urls, file).Select(u => new Uri(u))];
}
